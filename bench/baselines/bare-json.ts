import http from 'node:http';

/**
 * The ingest floor: a bare `node:http` handler for `POST /api/workers/:id/heartbeat`
 * that reads the body, `JSON.parse`s it and answers a small JSON body, with no
 * validation and no state. Pulseboard must do at least half of this rate.
 */
export function createBareJson(): http.Server {
  let count = 0;
  return http.createServer((req, res) => {
    if (req.method !== 'POST' || !/^\/api\/workers\/[^/]+\/heartbeat$/.test(req.url ?? '')) {
      res.writeHead(404, { 'content-length': 0 }).end();
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      const parsed = JSON.parse(body) as { status?: string };
      count++;
      const out = `{"ok":true,"status":${JSON.stringify(parsed.status ?? 'healthy')},"n":${count}}`;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
}
