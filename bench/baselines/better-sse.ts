import http from 'node:http';
import { createChannel, createSession } from 'better-sse';
import { handleLogPost } from './log-route.js';

/**
 * The same two routes as the bare broadcaster, on `better-sse` (a popular SSE
 * library): one channel, one session per client, `channel.broadcast` per log
 * batch. Library defaults otherwise (it serializes per session).
 */
export function createBetterSse(): http.Server {
  const channel = createChannel();
  const boot = Date.now();
  let seq = 0;

  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/events')) {
      createSession(req, res, { retry: 1000, keepAlive: 15_000 }).then(
        (session) => channel.register(session),
        () => res.destroy(),
      );
      return;
    }
    const published = handleLogPost(req, res, (payload) =>
      channel.broadcast(payload, 'log', { eventId: `${boot}-${++seq}` }),
    );
    if (published) return;
    res.writeHead(404).end();
  });
}
