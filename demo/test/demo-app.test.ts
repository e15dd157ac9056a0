/**
 * The demo's page serving over real sockets: pages by name, with `.html` or
 * as a folder's index, hashed assets cached for good, and nothing outside the
 * pages folder, not through `..` and not through a symlink.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Demo, startDemo } from '../demo-app.js';

describe('the demo serves its pages and nothing outside them', () => {
  let dir: string;
  let demo: Demo;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pulse-pages-'));
    const pages = join(dir, 'pages');
    await mkdir(join(pages, 'assets'), { recursive: true });
    await writeFile(join(pages, 'index.html'), '<p>home</p>');
    await writeFile(join(pages, 'theming.html'), '<p>theming</p>');
    await writeFile(join(pages, 'assets', 'app-1234.js'), 'export {};');
    await writeFile(join(dir, 'secret.txt'), 'secret');
    await symlink(join(dir, 'secret.txt'), join(pages, 'leak.txt'));
    await symlink(dir, join(pages, 'up'));
    await symlink(join(pages, 'theming.html'), join(pages, 'alias.html'));
    demo = await startDemo({ config: { port: 0, logLevel: 'silent' }, simulate: 0, pagesDir: pages });
  });
  after(async () => {
    await demo.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const response = await fetch(`${demo.url}${path}`);
    return {
      status: response.status,
      type: response.headers.get('content-type'),
      text: await response.text(),
    };
  };

  it('serves pages by path, by name without .html and as a folder index; assets are immutable', async () => {
    assert.equal((await get('/')).text, '<p>home</p>');
    assert.match((await get('/')).type ?? '', /^text\/html/);
    assert.equal((await get('/theming')).text, '<p>theming</p>');
    assert.equal((await get('/theming.html')).text, '<p>theming</p>');
    // A link that stays inside the folder is fine.
    assert.equal((await get('/alias.html')).text, '<p>theming</p>');
    const asset = await fetch(`${demo.url}/assets/app-1234.js`);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${demo.url}/theming`)).headers.get('cache-control'), 'no-cache');
  });

  it('refuses symlinks out of the folder and .. with the API 404', async () => {
    for (const path of ['/leak.txt', '/up/secret.txt', '/%2e%2e/secret.txt', '/%']) {
      const response = await get(path);
      assert.equal(response.status, 404, path);
      assert.notEqual(response.text, 'secret', path);
      assert.equal(JSON.parse(response.text).error.code, 'not_found', path);
    }
  });
});
