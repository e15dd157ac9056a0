import type { ErrorBody } from '@pulseboard/protocol';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { StorageUnavailableError, TableFullError } from './store/types.js';

/** An error the API answers with `{error: {code, message, issues?}}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues?: ErrorBody['error']['issues'],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

/** The answer while the server closes (a stream, a mounted request): come back in a second, elsewhere. */
export function shuttingDown(): HttpError {
  return new HttpError(503, 'shutting_down', 'Server is shutting down', undefined, { 'Retry-After': '1' });
}

/** A write for a worker the registry does not hold: the reporter registers again. */
export function unknownWorker(id: string): HttpError {
  return new HttpError(404, 'unknown_worker', `No worker "${id}" is registered; register it again`);
}

/** The JSON body every API error answers with. */
export function errorBody(error: HttpError): ErrorBody {
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.issues) body.error.issues = error.issues;
  return body;
}

function sendError(ctx: Context, error: HttpError): void {
  ctx.status = error.status;
  if (error.headers) ctx.set(error.headers);
  ctx.body = errorBody(error);
}

/**
 * What a failure answers: itself if it is an HttpError, 429 for a new row
 * past a registry limit, 503 while storage is away, a client error as it is,
 * anything else a logged 500.
 */
export function toHttpError(
  err: unknown,
  logger: Logger,
  request: { method?: string; path: string },
): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof TableFullError) {
    return new HttpError(429, 'registry_full', `${err.message} (--max-${err.limit.what})`);
  }
  if (err instanceof StorageUnavailableError) {
    // Retry-After, not a silent loss: the reporter backs off and sends again.
    return new HttpError(503, 'storage_unavailable', err.message, undefined, { 'Retry-After': '2' });
  }
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new HttpError(status, 'bad_request', (err as Error).message);
  }
  logger.error({ err, method: request.method, path: request.path }, 'request failed');
  return new HttpError(500, 'internal', 'Internal server error');
}

/** Outermost middleware: every failure and every unmatched route becomes a JSON error (storage away: 503). */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.body === undefined && ctx.respond !== false) {
        // router.allowedMethods() answers 405/501 with an Allow header and no body: give them one too.
        if (ctx.status === 404) {
          sendError(ctx, new HttpError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`));
        } else if (ctx.status === 405) {
          const allow = ctx.response.get('Allow');
          sendError(
            ctx,
            new HttpError(
              405,
              'method_not_allowed',
              `${ctx.method} is not allowed on ${ctx.path} (allowed: ${allow})`,
            ),
          );
        } else if (ctx.status === 501) {
          sendError(
            ctx,
            new HttpError(501, 'not_implemented', `The server does not implement ${ctx.method}`),
          );
        }
      }
    } catch (err) {
      sendError(ctx, toHttpError(err, logger, ctx));
    }
  };
}

/**
 * Koa's `error` event: a failure after the middleware ran (writing the response, a
 * body stream), which `app.silent` would otherwise drop. A client gone mid-body is not one.
 */
export function logResponseError(logger: Logger) {
  return (err: Error & { status?: number; code?: string }, ctx?: Context) => {
    if ((err.status ?? 500) < 500 || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    logger.error({ err, method: ctx?.method, path: ctx?.path }, 'response failed');
  };
}
