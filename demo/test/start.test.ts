/**
 * `npm start` as a new user runs it: the process starts on a free port, the
 * page it serves shows health cards with live data in Chromium within 10 s,
 * and SIGTERM stops it cleanly. The signal goes to the process group, as a
 * terminal's Ctrl-C or a process supervisor sends it: npm itself dies of it at
 * once, so what must be clean is the demo process under it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect, createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { root } from '../root.js';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(true));
  });

describe('npm start', () => {
  let child: ChildProcess;
  let browser: Browser | undefined;
  let port: number;
  let output = '';

  before(async () => {
    port = await freePort();
    // Its own process group, so a failed test can stop npm and everything under it.
    child = spawn('npm', ['start', '--', '--simulate', '4'], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout!.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
  });

  after(async () => {
    await browser?.close();
    if (groupAlive(child.pid!)) process.kill(-child.pid!, 'SIGKILL');
  });

  it('prints the page URL', async () => {
    // Builds are fresh after `npm test`'s pretest; a stale tree rebuilds first, hence the margin.
    const deadline = Date.now() + 90_000;
    while (!output.includes(`http://localhost:${port}/`)) {
      assert.ok(Date.now() < deadline, `no URL printed:\n${output}`);
      assert.equal(child.exitCode, null, `npm start exited:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('serves a page that shows health cards with live data within 10 s', async () => {
    browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`http://localhost:${port}/`, { waitUntil: 'load' });
    // A card with a worker's figures (from heartbeats), under a live connection.
    const live = await page.waitForFunction(
      () => {
        const root = document.querySelector('health-cards')?.shadowRoot;
        const cards = [...(root?.querySelectorAll('[part~="card"]') ?? [])];
        const connection = root?.querySelector('[part~="connection"]')?.getAttribute('data-state');
        const withFigures = cards.filter((card) => /\d+\s*ms/.test(card.textContent ?? ''));
        return connection === 'open' && withFigures.length > 0 ? withFigures.length : false;
      },
      { timeout: 10_000, polling: 200 },
    );
    assert.ok(Number(await live.jsonValue()) >= 1);
    assert.deepEqual(errors, []);
  });

  it('lets the page operate, and says so: no tokens, loopback (the workers declare actions)', async () => {
    assert.match(output, /Operator actions: on for this page/);
    const page = (await browser!.pages()).at(-1)!;
    await page.waitForFunction(
      () => document.querySelector('health-cards')?.shadowRoot?.querySelector('[part~="action"]'),
      { timeout: 10_000, polling: 200 },
    );
  });

  it('stops cleanly on SIGTERM', async () => {
    process.kill(-child.pid!, 'SIGTERM');
    const deadline = Date.now() + 10_000;
    while (groupAlive(child.pid!)) {
      assert.ok(Date.now() < deadline, `still running 10 s after SIGTERM:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.match(output, /SIGTERM: shutting down/);
    assert.match(output, /Pulseboard demo stopped cleanly/);
    assert.doesNotMatch(output, /shutdown failed|Error/);
    assert.ok(await refused(port), 'the port is still open');
  });
});
