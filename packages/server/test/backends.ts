import { after } from 'node:test';
import type { AppOptions, ServerConfigInput } from '../src/index.js';
import { startServer, type TestServer } from './helpers.js';
import { startRedis, type TestRedis } from './redis-helpers.js';

export interface TestBackend {
  name: 'memory' | 'redis';
  /** A listening server on empty storage of this kind. */
  start(config?: Partial<ServerConfigInput>, options?: AppOptions): Promise<TestServer>;
}

/**
 * The backends the HTTP tests run against: in memory, and on a redis-server
 * of the calling file's own, started at its first use and stopped after the
 * file's last test. Each Redis-backed server gets a database of its own
 * (Redis has 16), so servers do not share workers, as in memory.
 */
export function backends(): TestBackend[] {
  let redis: Promise<TestRedis> | undefined;
  let db = 0;
  after(async () => {
    await (await redis)?.stop();
  });
  return [
    { name: 'memory', start: (config, options) => startServer(config, 0, options) },
    {
      name: 'redis',
      async start(config, options) {
        redis ??= startRedis();
        const { url } = await redis;
        return startServer({ ...config, redisUrl: `${url}/${++db}` }, 0, options);
      },
    },
  ];
}
