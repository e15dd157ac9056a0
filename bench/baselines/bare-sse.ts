import http from 'node:http';
import { handleLogPost } from './log-route.js';

/**
 * The platform's floor: a bare `node:http` SSE broadcaster. It serves the same
 * two routes the benchmark drives on Pulseboard — `POST /api/workers/:id/logs`
 * in, a `log` event with the same payload shape out on `GET /events` — and
 * does only what any broadcaster must: parse the body, serialize once, write
 * the same string to every socket. It also replays from `Last-Event-ID` out
 * of a ring of recent frames, so the reconnect storm has a reference point.
 */
const REPLAY = 10_000;

export function createBareSse(): http.Server {
  const clients = new Set<http.ServerResponse>();
  const boot = Date.now();
  const ring: string[] = new Array(REPLAY);
  let seq = 0;

  function broadcast(type: string, data: string): void {
    seq++;
    const frame = `id: ${boot}-${seq}\nevent: ${type}\ndata: ${data}\n\n`;
    ring[seq % REPLAY] = frame;
    for (const res of clients) res.write(frame);
  }

  function resumeFrom(lastEventId: string | undefined): string {
    const m = /^(\d+)-(\d+)$/.exec(lastEventId ?? '');
    if (!m || Number(m[1]) !== boot) return '';
    const from = Number(m[2]);
    if (from < seq - REPLAY + 1 || from > seq) return '';
    let out = '';
    for (let s = from + 1; s <= seq; s++) out += ring[s % REPLAY];
    return out;
  }

  return http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/events')) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 1000\n\n${resumeFrom(req.headers['last-event-id'] as string | undefined)}`);
      clients.add(res);
      res.on('close', () => clients.delete(res));
      return;
    }
    if (handleLogPost(req, res, (payload) => broadcast('log', JSON.stringify(payload)))) return;
    res.writeHead(404).end();
  });
}
