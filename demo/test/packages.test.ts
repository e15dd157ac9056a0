/**
 * The packages as a user gets them (issue 13's proof): every workspace package
 * packed with `npm pack` (its prepack builds it), and the tarballs, not the
 * workspace, installed into projects made in a temporary folder, third-party
 * dependencies from the registry. The scripts those projects run live in
 * ./consumer and are copied in; they run on plain Node, with no tsx or
 * TypeScript on PATH, in the module resolution of the project alone; (g) builds
 * its page with the project's own Vite and opens it in Chromium.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../../scripts/chromium.mjs';
import { fileUnder, serveFiles } from '../../scripts/serve-files.mjs';
import { root } from '../root.js';

const PACKAGES = ['protocol', 'reporter', 'server', 'widgets', 'bullmq'];
const fixtures = join(root, 'demo/test/consumer');
const readJson = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const rootPkg = readJson(join(root, 'package.json'));

/**
 * The environment of a user's shell: no tsx loader (NODE_OPTIONS), no workspace
 * bins on PATH (npm puts node_modules/.bin there for `npm test`), no npm_*
 * settings of the npm running this test leaking into the npm commands it runs.
 */
const env = Object.fromEntries(
  Object.entries(process.env)
    .filter(([key]) => key !== 'NODE_OPTIONS' && !key.startsWith('npm_'))
    .map(([key, value]) => [
      key,
      key === 'PATH'
        ? value
            ?.split(':')
            .filter((dir) => !dir.includes('node_modules'))
            .join(':')
        : value,
    ]),
);

function run(command: string, args: string[], cwd: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Runs `script` with plain node in `cwd` and parses the JSON it prints. */
async function runScript(cwd: string, script: string, ...args: string[]) {
  const { stdout } = await run(process.execPath, [script, ...args], cwd);
  return JSON.parse(stdout);
}

/** npm warnings in `output`, the lines npm prints with `npm warn`. */
const warnings = (output: string) => output.split('\n').filter((line) => /^npm warn/i.test(line));

/** Bytes of every file under `dir`. */
function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}

/** The first match of `pattern` in what `child` prints; rejects if it exits before. */
function printed(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) resolve(match);
    });
    child.once('exit', (code) =>
      reject(new Error(`exited with ${code} before printing ${pattern}:\n${output}`)),
    );
  });
}

/**
 * A project with the files of ./consumer/<fixture> depending on `dependencies` (tarballs as file:
 * specs), installed from the registry as a user would.
 */
async function consumer(dir: string, fixture: string | null, dependencies: Record<string, string>) {
  if (fixture) cpSync(join(fixtures, fixture), dir, { recursive: true });
  else mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies }, null, 2)}\n`,
  );
  // --prefer-offline: fast with a warm npm cache, the registry for what is not in it.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], dir);
}

describe('the packages, packed and installed as a user gets them', { timeout: 300_000 }, () => {
  let temp: string;
  const tarballs: Record<string, string> = {};
  const contents: Record<string, string[]> = {};
  let packOutput: string;
  let app: string;
  let types: string;
  let worker: string;
  let bundle: string;
  let cli: ChildProcess | undefined;

  before(async () => {
    temp = mkdtempSync(join(tmpdir(), 'pulseboard-packages-'));
    const packed = join(temp, 'tarballs');
    mkdirSync(packed);
    const workspaces = (rootPkg.workspaces as string[]).filter((path) => path.startsWith('packages/'));
    const { stdout, stderr } = await run(
      'npm',
      ['pack', '--pack-destination', packed, ...workspaces.flatMap((path) => ['--workspace', path])],
      root,
    );
    packOutput = `${stdout}\n${stderr}`;
    for (const file of readdirSync(packed)) {
      const name = /^pulseboard-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(file)?.[1];
      if (!name) continue;
      tarballs[name] = join(packed, file);
      contents[name] = (await run('tar', ['-tzf', join(packed, file)], temp)).stdout.trim().split('\n');
    }
    for (const name of PACKAGES) assert.ok(tarballs[name], `npm pack made no tarball for ${name}`);
    const file = (name: string) => `file:${tarballs[name]}`;

    app = join(temp, 'app');
    types = join(temp, 'types');
    worker = join(temp, 'worker');
    bundle = join(temp, 'bundle');
    const tarballsOf = (...names: string[]) =>
      Object.fromEntries(names.map((name) => [`@pulseboard/${name}`, file(name)]));
    const dev = rootPkg.devDependencies;
    const { koa } = readJson(join(root, 'packages/server/package.json')).dependencies;
    await Promise.all([
      // Runs (a), (b), (d) and (e): no TypeScript, no tsx.
      consumer(app, 'app', {
        ...tarballsOf('protocol', 'reporter', 'server'),
        koa,
        express: dev.express,
        eventsource: dev.eventsource,
      }),
      // Its own project for (c): with Express beside it, @types/koa would meet content-disposition 2's
      // own types, which lack the Options it names (a clash between those two, not of ours).
      consumer(types, 'types', { ...tarballsOf(...PACKAGES), '@types/node': dev['@types/node'] }),
      // The reporter's own tarball needs protocol's beside it: neither is on the registry yet.
      consumer(worker, null, tarballsOf('reporter', 'protocol')),
      // Runs (g): a page built by a bundler, with no workspace around to resolve the widgets from.
      consumer(bundle, 'bundle', { ...tarballsOf('widgets', 'protocol'), vite: dev.vite }),
    ]);
  });

  after(() => {
    cli?.kill();
    if (temp) rmSync(temp, { recursive: true, force: true });
  });

  it('packs every package without npm warnings, with its LICENSE and README and no tests, build state or sources', () => {
    assert.deepEqual(warnings(packOutput), []);
    for (const [name, files] of Object.entries(contents)) {
      for (const required of ['package/LICENSE', 'package/README.md', 'package/package.json'])
        assert.ok(files.includes(required), `${name} lacks ${required}`);
      const unwanted = files.filter((path) =>
        /(^|\/)(test|tests|__tests__)\/|\.test\.|\.wireit\/|tsbuildinfo|^package\/src\//.test(path),
      );
      assert.deepEqual(unwanted, [], `${name} ships files a user does not need`);
    }
  });

  it('publishes (dry run) every package without warnings about its package.json', async () => {
    await Promise.all(
      Object.entries(tarballs).map(async ([name, tarball]) => {
        const { stderr } = await run('npm', ['publish', '--dry-run', tarball], temp);
        // Only the registry's "you are not logged in" is expected of a dry run here.
        const unexpected = warnings(stderr).filter((line) => !/logged in/.test(line));
        assert.deepEqual(unexpected, [], name);
      }),
    );
  });

  it('describes every package: license, repository folder, homepage, keywords, engines', async () => {
    for (const [name, tarball] of Object.entries(tarballs)) {
      const pkg = JSON.parse((await run('tar', ['-xzOf', tarball, 'package/package.json'], temp)).stdout);
      assert.equal(pkg.license, 'MIT', name);
      assert.equal(pkg.repository?.directory, `packages/${name}`, name);
      assert.ok(pkg.homepage && pkg.keywords?.length && pkg.engines?.node, `${name} lacks metadata`);
    }
  });

  it('installs the reporter alone as at most 3 packages under 1 MB', () => {
    const lock = readJson(join(worker, 'package-lock.json'));
    const installed = Object.keys(lock.packages).filter((path) => path !== '');
    assert.ok(installed.length <= 3, `the reporter pulls in ${installed.join(', ')}`);
    const bytes = sizeOf(join(worker, 'node_modules'));
    process.stdout.write(
      `  the reporter installs ${installed.length} packages, ${bytes.toLocaleString('en')} bytes\n`,
    );
    assert.ok(bytes < 1024 * 1024, `the reporter installs ${bytes.toLocaleString('en')} bytes`);
  });

  it('(a) runs server, reporter and protocol from a plain ES module, no tsx or TypeScript around', async () => {
    const result = await runScript(app, 'esm.mjs');
    assert.deepEqual(result.execArgv, []);
    assert.deepEqual(result.resolvable, { tsx: false, typescript: false });
    assert.equal(result.protocol, 1);
    assert.equal(result.event, 'initial_data');
    const [worker] = result.workers;
    assert.equal(worker?.id, 'esm-1');
    assert.equal(worker.status, 'degraded', 'the heartbeat did not reach the server');
    assert.equal(worker.metrics.cpu, 42);
    assert.ok(
      result.logs.some(
        (entry: { workerId: string; message: string }) =>
          entry.workerId === 'esm-1' && entry.message === 'hello from an ES module',
      ),
      'the log line did not reach the server',
    );
  });

  it('(e) runs `npx pulseboard-server --help` from the installed tarball', async () => {
    const { stdout } = await run('npx', ['pulseboard-server', '--help'], app);
    assert.match(stdout, /^Usage: pulseboard-server/);
    assert.match(stdout, /--allow-anonymous/, 'npx ran some other pulseboard-server');
  });

  it('(b) heartbeats from a CommonJS script that requires the reporter, against the CLI', async () => {
    cli = spawn(join(app, 'node_modules/.bin/pulseboard-server'), ['--port', '0', '--log-level', 'silent'], {
      cwd: app,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = (await printed(cli, /on (http\S+)/))[1]!;
    const worker = await runScript(app, 'reporter.cjs', url);
    assert.equal(worker.id, 'cjs-1');
    assert.equal(worker.status, 'degraded', 'the heartbeat did not reach the server');
    cli.kill('SIGTERM');
    const [code] = await once(cli, 'exit');
    assert.equal(code, 0, 'pulseboard-server did not stop cleanly on SIGTERM');
  });

  it('(f) runs `npx pulseboard-bullmq --help` and imports the adapter from the installed tarball', async () => {
    const { stdout } = await run('npx', ['pulseboard-bullmq', '--help'], types);
    assert.match(stdout, /^Usage: pulseboard-bullmq --redis <url> --server <url>/);
    const imported = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('@pulseboard/bullmq'); console.log(typeof m.watchBullMQ, typeof m.retryJob)",
      ],
      types,
    );
    assert.equal(imported.stdout.trim(), 'function function');
  });

  it('(c) type-checks server, reporter, protocol, widgets and bullmq in a strict nodenext project', async () => {
    // The workspace's compiler, on the consumer's tsconfig: everything it resolves comes from the install.
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', types], types);
  });

  it('(d) mounts at /pulse in Koa and in Express, and refuses an anonymous mount', async () => {
    const result = await runScript(app, 'mount.mjs');
    for (const host of ['koa', 'express']) {
      assert.deepEqual(
        result[host],
        {
          ready: true,
          host: 'host app',
          anonymousRead: 401,
          initialWorkers: 0,
          registered: `${host}-1`,
          log: `hello through ${host}`,
          status: 'degraded',
          deregistered: 'requested',
        },
        host,
      );
    }
    assert.equal(typeof result.anonymous, 'string', 'an anonymous mount started');
  });

  it('(g) bundles the widgets tarball with Vite in a strict TypeScript app, and the page shows live data in Chromium', async () => {
    // The workspace's compiler on a strict bundler-resolution tsconfig, then the consumer's own Vite, no config.
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', bundle], bundle);
    await run(process.execPath, [join(bundle, 'node_modules/vite/bin/vite.js'), 'build'], bundle);
    // The CLI from the tarball, as in (b). No CORS flag: a server on loopback lets pages on loopback read it.
    const server = spawn(
      join(app, 'node_modules/.bin/pulseboard-server'),
      ['--port', '0', '--log-level', 'silent'],
      { cwd: app, env, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const dist = join(bundle, 'dist');
    const site = await serveFiles((pathname) => fileUnder(dist, pathname === '/' ? '/index.html' : pathname));
    let browser: Browser | undefined;
    try {
      browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
      const url = (await printed(server, /on (http\S+)/))[1]!;
      const registered = await fetch(`${url}/api/workers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          id: 'bundle-1',
          name: 'Bundled worker',
          queue: 'bundled-jobs',
          status: 'healthy',
          // <queues-view> lists a queue from the stats its workers report, not from the name alone.
          queueStats: { depth: 3, inFlight: 1, processed: 42, failed: 0 },
        }),
      });
      assert.equal(registered.status, 201);

      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(`${site.origin}/?events=${encodeURIComponent(`${url}/events`)}`, { waitUntil: 'load' });
      // What the page shows: the connection state main.ts's typed listener wrote, and each element's shadow DOM.
      const shown = () =>
        page.evaluate(() => {
          // No named function in here: tsx would wrap it in a `__name` the page does not have.
          const [health, queues] = ['health-cards', 'queues-view'].map((tag) =>
            document.querySelector(tag)?.shadowRoot?.textContent?.replace(/\s+/g, ' ').trim(),
          );
          return { connection: document.body.dataset.connection, health, queues };
        });
      await page
        .waitForFunction(
          () =>
            document.body.dataset.connection === 'open' &&
            document.querySelector('health-cards')?.shadowRoot?.textContent?.includes('Bundled worker') &&
            document.querySelector('queues-view')?.shadowRoot?.textContent?.includes('bundled-jobs'),
          { timeout: 5_000, polling: 100 },
        )
        .catch(async (error: Error) =>
          assert.fail(`${error.message}; the page shows ${JSON.stringify(await shown())}, errors: ${errors}`),
        );
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
      site.close();
      if (server.exitCode === null) {
        server.kill('SIGTERM');
        await once(server, 'exit');
      }
    }
  });
});
