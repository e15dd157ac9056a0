import type http from 'node:http';

/** A `log` event's payload as Pulseboard would send it, so every baseline puts the same bytes on the wire. */
export interface LogPayload {
  v: 1;
  entries: { workerId: string; level: string; message: string; at: number }[];
}

/**
 * The driver's input route every baseline shares: `POST /api/workers/:id/logs`
 * read, parsed and handed to `publish` as the payload Pulseboard would emit,
 * then answered 202. Returns false for any other request.
 */
export function handleLogPost(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  publish: (payload: LogPayload) => void,
): boolean {
  const route = req.method === 'POST' && /^\/api\/workers\/([^/]+)\/logs$/.exec(req.url ?? '');
  if (!route) return false;
  const workerId = route[1]!;
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => {
    body += c;
  });
  req.on('end', () => {
    const { entries } = JSON.parse(body) as { entries: { level: string; message: string }[] };
    const at = Date.now();
    publish({ v: 1, entries: entries.map((e) => ({ workerId, level: e.level, message: e.message, at })) });
    res.writeHead(202, { 'content-type': 'application/json', 'content-length': 11 });
    res.end('{"ok":true}');
  });
  return true;
}
