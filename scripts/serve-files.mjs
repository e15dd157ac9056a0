// A static host for benches and tests that open a built page in Chromium: the bench page and the
// widget bundle (bench/suites/browser.ts), a consumer's Vite build (demo/test/packages.test.ts).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

/** The file `pathname` names under `dir`, or null for one outside it (`..`). */
export function fileUnder(dir, pathname) {
  const file = join(dir, normalize(`/${pathname}`));
  return file.startsWith(dir.endsWith(sep) ? dir : dir + sep) ? file : null;
}

/** Serves the file `fileFor` gives for each request's path (404 for null or none there) on a free loopback port. */
export function serveFiles(fileFor) {
  const server = createServer((req, res) => {
    const file = fileFor(new URL(req.url ?? '/', 'http://x').pathname);
    if (!file || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      resolve({
        origin: `http://127.0.0.1:${server.address().port}`,
        close() {
          server.closeAllConnections();
          server.close();
        },
      });
    }),
  );
}
