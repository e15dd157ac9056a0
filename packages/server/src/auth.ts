import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Next } from 'koa';
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

/**
 * Read tokens guard `/events` and GETs, worker tokens guard the worker API.
 * A kind with no tokens configured is open. No token (or an unknown one)
 * answers 401; a valid token of the other kind answers 403.
 */
export function createAuth(tokens: { readTokens: readonly string[]; workerTokens: readonly string[] }) {
  const lists: Record<Access, Buffer[]> = {
    read: tokens.readTokens.map(digest),
    worker: tokens.workerTokens.map(digest),
  };
  /** Throws the 401 or 403 that `token` earns for `access`; returns when it is allowed. */
  function authorize(access: Access, token: string | undefined): void {
    const required = lists[access];
    if (required.length === 0) return;
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
      );
      return next();
    };
  }
  return { authorize, requireAccess };
}

export type Auth = ReturnType<typeof createAuth>;
export type RequireAccess = Auth['requireAccess'];
