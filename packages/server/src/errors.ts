import type { ErrorBody } from '@pulseboard/protocol';
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { StorageUnavailableError } from './store/types.js';

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

export function sendError(ctx: Context, error: HttpError): void {
  ctx.status = error.status;
  if (error.headers) ctx.set(error.headers);
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  if (error.issues) body.error.issues = error.issues;
  ctx.body = body;
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
      if (err instanceof HttpError) return sendError(ctx, err);
      if (err instanceof StorageUnavailableError) {
        // Retry-After, not a silent loss: the reporter backs off and sends again.
        const headers = { 'Retry-After': '2' };
        return sendError(ctx, new HttpError(503, 'storage_unavailable', err.message, undefined, headers));
      }
      const status = (err as { status?: unknown }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendError(ctx, new HttpError(status, 'bad_request', (err as Error).message));
      }
      logger.error({ err, method: ctx.method, path: ctx.path }, 'request failed');
      sendError(ctx, new HttpError(500, 'internal', 'Internal server error'));
    }
  };
}
