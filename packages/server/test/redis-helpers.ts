import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createClient } from 'redis';

const BINARY = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

/** A port nothing listens on (until someone binds it). */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A throwaway redis-server of the test's own, on a free port, without persistence unless asked. */
export interface TestRedis {
  url: string;
  /**
   * Kills the process: every connection drops and, without persistence or
   * with `wipe`, the data is gone.
   */
  stop(options?: { wipe?: boolean }): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Runs one command on a short-lived connection of its own. */
  command(...args: string[]): Promise<unknown>;
}

/** The event stream as stored: each entry's event id (stream id and epoch) and its fields. */
export async function storedEvents(
  redis: TestRedis,
): Promise<{ id: string; fields: Record<string, string> }[]> {
  const entries = (await redis.command('XRANGE', 'pulseboard:events', '-', '+')) as [string, string[]][];
  return entries.map(([streamId, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return { id: `${streamId}-${fields.epoch}`, fields };
  });
}

/**
 * `persistent`: every write is appended to a file (fsync'd) in a temporary
 * directory, so a stopped and restarted Redis comes back with its data.
 */
export async function startRedis(options: { persistent?: boolean } = {}): Promise<TestRedis> {
  if (!existsSync(BINARY)) {
    throw new Error(
      `redis-server not found at ${BINARY}: the Redis tests need it. Install it with scripts/setup-system.sh ` +
        '(apt-get install -y redis-server) or point REDIS_SERVER at the binary.',
    );
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let running: ChildProcess | undefined;
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', ''];
  const dir = options.persistent ? mkdtempSync(path.join(tmpdir(), 'pulseboard-redis-')) : undefined;
  if (dir) {
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    args.push('--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always');
  } else {
    args.push('--appendonly', 'no');
  }

  async function start(): Promise<void> {
    const child = spawn(BINARY, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    running = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 5000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
    child.stdout?.resume();
  }

  async function stop({ wipe = false } = {}): Promise<void> {
    const child = running;
    running = undefined;
    if (child && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    if (wipe && dir) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
    }
  }

  async function command(...args: string[]): Promise<unknown> {
    const client = createClient({ url });
    client.on('error', () => {});
    await client.connect();
    try {
      return await client.sendCommand(args);
    } finally {
      client.destroy();
    }
  }

  await start();
  return { url, start, stop, command };
}
