import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
import { isLoopbackHost } from './config.js';
import { HttpError } from './errors.js';

export type Access = 'read' | 'worker';

/** Hashing first gives equal-length inputs to timingSafeEqual, so a token's length does not leak either. */
const digest = (token: string) => createHash('sha256').update(token).digest();

function matchesAny(digests: readonly Buffer[], candidate: Buffer): boolean {
  let found = false;
  // No early exit: the time taken does not depend on which token matched.
  for (const known of digests) found = timingSafeEqual(known, candidate) || found;
  return found;
}

/** The token of an `Authorization: Bearer <token>` header. */
export function bearer(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
}

/** Whether a `Host` header names this machine: `localhost`, `127.0.0.1` (any of 127/8) or `[::1]`, any port. */
function isLoopbackName(host: string | undefined): boolean {
  const name = /^(\[[^\]]*\]|[^:[\]]*)(?::\d*)?$/.exec(host ?? '')?.[1];
  return name !== undefined && isLoopbackHost(name);
}

/**
 * Read tokens guard `/events` and GETs, worker tokens guard the worker API.
 * A kind with no tokens configured is open. No token (or an unknown one)
 * answers 401; a valid token of the other kind answers 403. An open kind,
 * unless `allowAnonymous`, answers only requests that name a loopback host
 * (421 otherwise).
 */
export function createAuth(config: {
  readTokens: readonly string[];
  workerTokens: readonly string[];
  allowAnonymous: boolean;
}) {
  const lists: Record<Access, Buffer[]> = {
    read: config.readTokens.map(digest),
    worker: config.workerTokens.map(digest),
  };
  /** Throws the 421, 401 or 403 that `token` and `host` earn for `access`; returns when it is allowed. */
  function authorize(access: Access, token: string | undefined, host: string | undefined): void {
    const required = lists[access];
    if (required.length === 0) {
      // DNS rebinding: a page on any site can point its own name at 127.0.0.1, and the browser then
      // calls this server as that site, Host and Origin alike. Without a token, the name is all that
      // tells such a call from a local one. --allow-anonymous opens the server to every name.
      if (!config.allowAnonymous && !isLoopbackName(host)) {
        throw new HttpError(
          421,
          'misdirected_request',
          'Without tokens this server answers only to localhost, 127.0.0.1 or [::1]',
        );
      }
      return;
    }
    const challenge = { 'WWW-Authenticate': 'Bearer realm="pulseboard"' };
    if (!token)
      throw new HttpError(401, 'unauthorized', 'Send a token as Authorization: Bearer', undefined, challenge);
    const candidate = digest(token);
    if (matchesAny(required, candidate)) return;
    if (matchesAny(lists[access === 'read' ? 'worker' : 'read'], candidate)) {
      throw new HttpError(403, 'forbidden', `This token does not grant ${access} access`);
    }
    throw new HttpError(401, 'invalid_token', 'Unknown token', undefined, challenge);
  }
  function requireAccess(access: Access, options: { allowQueryToken?: boolean } = {}) {
    return async (ctx: Context, next: Next) => {
      const queryToken = options.allowQueryToken ? ctx.query.access_token : undefined;
      authorize(
        access,
        bearer(ctx.get('authorization')) ?? (typeof queryToken === 'string' ? queryToken : undefined),
        ctx.get('host'),
      );
      return next();
    };
  }
  return { authorize, requireAccess };
}

export type Auth = ReturnType<typeof createAuth>;
export type RequireAccess = Auth['requireAccess'];
