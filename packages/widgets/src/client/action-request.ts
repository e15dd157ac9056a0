import type { ActionList, RequestActionBody, RequestActionResponse } from '@pulseboard/protocol';
import { isRecord } from '../store/sanitize.js';
import type { TransportOptions } from '../transport/transport.js';

/** Why a request to the stream's server (an action's, a page of dead letters) failed: the server's status (0: no answer) and its message, as text. */
export class ActionRequestError extends Error {
  constructor(
    /** The HTTP status of the server's refusal (403, 404, 409, …); 0 when no answer came. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Server = Pick<TransportOptions, 'src' | 'token' | 'withCredentials'>;

/**
 * Calls `path` of the server whose stream is `src`, as the stream does (its token as a bearer, cookies if
 * `withCredentials`): `api/actions` resolves beside `/events`, so a server mounted under a prefix keeps it.
 * Throws an {@link ActionRequestError}: 0 without an answer, else the status and the server's message
 * (and what it found wrong with each field).
 */
export async function callServer<T>(
  { src, token, withCredentials }: Server,
  path: string,
  body?: unknown,
): Promise<T> {
  const headers: Record<string, string> = body ? { 'content-type': 'application/json' } : {};
  if (token) headers.authorization = `Bearer ${token}`;
  let response: Response;
  try {
    response = await fetch(new URL(path, new URL(src ?? '', globalThis.location?.href)), {
      method: body ? 'POST' : 'GET',
      headers,
      body: body ? JSON.stringify(body) : null,
      credentials: withCredentials ? 'include' : 'same-origin',
    });
  } catch {
    throw new ActionRequestError(0, 'The server did not answer');
  }
  const answer: unknown = await response.json().catch(() => null);
  if (response.ok) return answer as T;
  const error = isRecord(answer) && isRecord(answer.error) ? answer.error : {};
  const issues = Array.isArray(error.issues) ? error.issues.filter(isRecord) : [];
  const why = [error.message, ...issues.map((i) => `${i.path}: ${i.message}`)].filter(Boolean).join('; ');
  throw new ActionRequestError(response.status, `${response.status} ${why || response.statusText}`);
}

/** `POST api/actions`: asks the worker for the action; the answer is the action, pending. */
export const postAction = (server: Server, request: RequestActionBody) =>
  callServer<RequestActionResponse>(server, 'api/actions', request);

/** `GET api/actions`: the recent actions, newest first. */
export const listActions = (server: Server) => callServer<ActionList>(server, 'api/actions?limit=100');
