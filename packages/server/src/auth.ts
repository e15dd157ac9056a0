import { createHash, timingSafeEqual } from 'node:crypto';
import { PERMISSIONS, type Permission } from '@pulseboard/protocol';
import type { Context, Next } from 'koa';
import { isLoopbackHost } from './config.js';
import { HttpError } from './errors.js';

export type Access = 'read' | 'worker' | 'operate';

/** Who a request is, as far as the audit trail says: a token's label, never the token. */
export interface Principal {
  label: string;
}

/** Hashing first gives equal-length inputs to timingSafeEqual, so a token's length does not leak either. */
const digest = (token: string) => createHash('sha256').update(token).digest();

interface KnownToken {
  digest: Buffer;
  kind: Access;
  label: string;
}

/** The entries of `known` whose digest is `candidate` (one secret may be configured as several kinds). */
function findTokens(known: readonly KnownToken[], candidate: Buffer): KnownToken[] {
  // filter compares every entry: the time taken does not say which one matched.
  return known.filter((entry) => timingSafeEqual(entry.digest, candidate));
}

const LABEL = /^([A-Za-z0-9._@-]{1,64})=(.*[^=].*)$/;

/**
 * An operate token as configured: `label=secret`, or a bare secret labelled by its position
 * (`operate-1`). A base64 token's `=` padding is not a label: the part after the first `=` must
 * hold something besides `=`.
 */
export function parseOperateToken(entry: string, index: number): { label: string; secret: string } {
  const match = LABEL.exec(entry);
  return match
    ? { label: match[1] as string, secret: match[2] as string }
    : { label: `operate-${index + 1}`, secret: entry };
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

/** The kinds of token that grant `access`: an operate token reads too. */
const GRANTS: Record<Access, readonly Access[]> = {
  read: ['read', 'operate'],
  worker: ['worker'],
  operate: ['operate'],
};

/**
 * Read tokens guard `/events` and GETs, worker tokens guard the worker API,
 * operate tokens guard action requests (and read as well). A kind with no
 * tokens configured is open, except operating while reads need a token (that
 * would let anyone past them): then nobody may operate. No token (or an
 * unknown one) answers 401; a valid token that does not grant the access
 * answers 403. An open kind, unless `allowAnonymous`, answers only requests
 * that name a loopback host (421 otherwise).
 */
export function createAuth(config: {
  readTokens: readonly string[];
  workerTokens: readonly string[];
  operateTokens: readonly string[];
  allowAnonymous: boolean;
}) {
  const known: KnownToken[] = [
    ...config.readTokens.map((token, i) => ({
      digest: digest(token),
      kind: 'read' as const,
      label: `read-${i + 1}`,
    })),
    ...config.workerTokens.map((token, i) => ({
      digest: digest(token),
      kind: 'worker' as const,
      label: `worker-${i + 1}`,
    })),
    ...config.operateTokens.map((entry, i) => {
      const { label, secret } = parseOperateToken(entry, i);
      return { digest: digest(secret), kind: 'operate' as const, label };
    }),
  ];
  const open: Record<Access, boolean> = {
    read: config.readTokens.length === 0,
    worker: config.workerTokens.length === 0,
    operate: config.operateTokens.length === 0 && config.readTokens.length === 0,
  };
  const closed = config.operateTokens.length === 0 && !open.operate;
  // Reporters name the same host on every heartbeat: the last verdict is kept, and a repeat costs a compare.
  let lastHost: string | undefined;
  let lastLoopback = false;
  const loopback = (host: string | undefined) => {
    if (host !== lastHost) {
      lastHost = host;
      lastLoopback = isLoopbackName(host);
    }
    return lastLoopback;
  };

  /** Throws the 421, 401 or 403 that `token` and `host` earn for `access`; returns who it is when allowed. */
  function authorize(access: Access, token: string | undefined, host: string | undefined): Principal {
    if (open[access]) {
      // DNS rebinding: a page on any site can point its own name at 127.0.0.1, and the browser then
      // calls this server as that site, Host and Origin alike. Without a token, the name is all that
      // tells such a call from a local one. --allow-anonymous opens the server to every name.
      if (!config.allowAnonymous && !loopback(host)) {
        throw new HttpError(
          421,
          'misdirected_request',
          'Without tokens this server answers only to localhost, 127.0.0.1 or [::1]',
        );
      }
      return { label: 'anonymous' };
    }
    const challenge = { 'WWW-Authenticate': 'Bearer realm="pulseboard"' };
    if (!token)
      throw new HttpError(401, 'unauthorized', 'Send a token as Authorization: Bearer', undefined, challenge);
    const matches = findTokens(known, digest(token));
    if (matches.length === 0)
      throw new HttpError(401, 'invalid_token', 'Unknown token', undefined, challenge);
    const granted = matches.find((match) => GRANTS[access].includes(match.kind));
    if (granted) return { label: granted.label };
    if (access === 'operate' && closed) {
      throw new HttpError(
        403,
        'forbidden',
        'This server has no operate tokens (--operate-token): nobody may operate',
      );
    }
    throw new HttpError(403, 'forbidden', `This token does not grant ${access} access`);
  }

  /** What `token` may do of what a dashboard can: `read`, and `operate` if it may request actions. */
  function permissions(token: string | undefined, host: string | undefined): Permission[] {
    return PERMISSIONS.filter((access) => {
      try {
        authorize(access, token, host);
        return true;
      } catch {
        return false;
      }
    });
  }

  /** The request's token: the bearer header, else (where allowed) the `access_token` query parameter. */
  function tokenOf(ctx: Context, allowQueryToken = false): string | undefined {
    const queryToken = allowQueryToken ? ctx.query.access_token : undefined;
    return bearer(ctx.get('authorization')) ?? (typeof queryToken === 'string' ? queryToken : undefined);
  }

  /** Middleware that lets the request through with `access`, and puts who it is in `ctx.state.principal`. */
  function requireAccess(access: Access, options: { allowQueryToken?: boolean } = {}) {
    return async (ctx: Context, next: Next) => {
      ctx.state.principal = authorize(access, tokenOf(ctx, options.allowQueryToken), ctx.get('host'));
      return next();
    };
  }
  return { authorize, permissions, tokenOf, requireAccess };
}

export type Auth = ReturnType<typeof createAuth>;
export type RequireAccess = Auth['requireAccess'];
