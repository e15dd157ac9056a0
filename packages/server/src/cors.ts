import cors from '@koa/cors';
import type { Context } from 'koa';
import { isLoopbackHost } from './config.js';

function isLoopbackOrigin(origin: string): boolean {
  try {
    return isLoopbackHost(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/**
 * CORS for an allow-list of origins. While the server is bound to loopback,
 * any loopback origin (the Vite dev page on :5173, say) is allowed too.
 */
export function createCors(allowed: readonly string[], boundToLoopback: () => boolean) {
  const list = new Set(allowed);
  return cors({
    origin: (ctx: Context) => {
      const origin = ctx.get('origin');
      if (!origin) return '';
      if (list.has('*')) return '*';
      if (list.has(origin) || (boundToLoopback() && isLoopbackOrigin(origin))) return origin;
      return '';
    },
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID', 'Cache-Control'],
    maxAge: 600,
    keepHeadersOnError: true,
  });
}
