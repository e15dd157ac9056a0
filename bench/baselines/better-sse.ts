import http from 'node:http';
import { createChannel, createSession } from 'better-sse';

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
    const logs = req.method === 'POST' && /^\/api\/workers\/([^/]+)\/logs$/.exec(req.url ?? '');
    if (logs) {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        body += c;
      });
      req.on('end', () => {
        const { entries } = JSON.parse(body) as { entries: { level: string; message: string }[] };
        const at = Date.now();
        const workerId = logs[1]!;
        channel.broadcast(
          { v: 1, entries: entries.map((e) => ({ workerId, level: e.level, message: e.message, at })) },
          'log',
          { eventId: `${boot}-${++seq}` },
        );
        res.writeHead(202, { 'content-type': 'application/json', 'content-length': 11 });
        res.end('{"ok":true}');
      });
      return;
    }
    res.writeHead(404).end();
  });
}
