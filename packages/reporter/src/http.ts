import type { ErrorBody } from '@pulseboard/protocol';

/**
 * Sends one request; throws a ReporterError for an error answer. A 404 on a worker's own path is
 * returned instead, with `unknownWorker` true: the server forgot the worker (a restart, or it expired),
 * and the caller registers again.
 */
export async function requestJson(
  doFetch: typeof fetch,
  base: string,
  path: string,
  token: string | undefined,
  method: string,
  body?: unknown,
): Promise<{ response: Response; unknownWorker: boolean }> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await doFetch(`${base}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.ok) return { response, unknownWorker: false };
  const error = (await response.json().catch(() => null)) as ErrorBody | null;
  const code = error?.error?.code ?? null;
  if (response.status === 404 && code === 'unknown_worker') return { response, unknownWorker: true };
  // Any other 404 is not the worker API: a wrong url, or a mounted server's basePath left out of it.
  const hint =
    response.status === 404
      ? `; is ${base} a Pulseboard server's base URL (for a mounted one, with its basePath, e.g. https://app.example.com/pulse)?`
      : '';
  throw new ReporterError(
    `${method} ${path}: ${response.status} ${error?.error?.message ?? response.statusText}${hint}`,
    response.status,
    code,
  );
}

export class ReporterError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
  }
}

/**
 * How a reporter reaches the server: shared by `createReporter` and `createFleetReporter`.
 * Every optional field also takes `undefined`, so `token: process.env.PULSE_WORKER_TOKEN`
 * type-checks under `exactOptionalPropertyTypes`.
 */
export interface ConnectionOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8090` (a mounted server's with its basePath). */
  url: string;
  /** A worker token, when the server requires one. */
  token?: string | undefined;
  /** Overrides the interval the server asks for. */
  heartbeatIntervalMs?: number | undefined;
  /** Longest wait between retries after errors. Default 30 s. */
  maxBackoffMs?: number | undefined;
  onError?: ((error: Error) => void) | undefined;
  fetch?: typeof fetch | undefined;
}

/** Exponential backoff with full jitter, so a fleet does not retry in lockstep. */
export const backoffMs = (failures: number, maxBackoffMs: number) =>
  Math.random() * Math.min(maxBackoffMs, 500 * 2 ** Math.min(failures, 16));
