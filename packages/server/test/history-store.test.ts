import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { HistoryStore } from '../src/store/history-types.js';
import { MemoryHistoryStore } from '../src/store/memory-history.js';
import { createRedisClient } from '../src/store/redis-client.js';
import { RedisHistoryStore } from '../src/store/redis-history.js';
import { startRedis } from './redis-helpers.js';

/** The history store contract, in memory and on a real redis-server: the same answers from both. */
const stores: { name: string; open(): Promise<HistoryStore> }[] = [
  { name: 'memory', open: async () => new MemoryHistoryStore() },
  {
    name: 'redis',
    async open() {
      const redis = await startRedis();
      const client = createRedisClient(redis.url);
      await client.connect();
      after(async () => {
        client.destroy();
        await redis.stop();
      });
      return new RedisHistoryStore(client);
    },
  },
];

const bytes = (...values: number[]) => Uint8Array.from(values);

for (const { name, open } of stores) {
  describe(`history store (${name})`, () => {
    test('rings: a write lands at its offset; reads are exactly as long as asked, zeros where never written', async () => {
      const store = await open();
      // The batch's second record, two bytes from its third.
      await store.write({
        bytes: bytes(9, 9, 1, 2),
        records: [{ key: 'r', offset: 4, start: 2, length: 2, size: 16, ttlMs: 60_000 }],
      });
      assert.deepEqual([...((await store.read(['r'], 2, 6))[0] as Uint8Array)], [0, 0, 1, 2, 0, 0]);
      assert.deepEqual(
        (await store.read(['r', 'none'], 12, 4)).map((part) => [...part]),
        [
          [0, 0, 0, 0],
          [0, 0, 0, 0],
        ],
      );
      await store.drop(['r']);
      assert.deepEqual([...((await store.read(['r'], 4, 2))[0] as Uint8Array)], [0, 0]);
    });

    test('rings: a record across 4 KiB, and reads across it and past what was written', async () => {
      const store = await open();
      const record = bytes(1, 2, 3, 4, 5, 6, 7, 8);
      await store.write({
        bytes: record,
        records: [
          { key: 'big', offset: 4092, start: 0, length: 8, size: 10_000, ttlMs: 60_000 },
          { key: 'big', offset: 9_996, start: 4, length: 4, size: 10_000, ttlMs: 60_000 },
        ],
      });
      assert.deepEqual(
        [...((await store.read(['big'], 4090, 12))[0] as Uint8Array)],
        [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0],
      );
      assert.deepEqual([...((await store.read(['big'], 9_994, 6))[0] as Uint8Array)], [0, 0, 5, 6, 7, 8]);
      const whole = (await store.read(['big'], 0, 10_000))[0] as Uint8Array;
      assert.equal(whole.length, 10_000);
      assert.equal(
        whole.reduce((sum, byte) => sum + byte, 0),
        36 + 26,
        'nothing but the two records',
      );
    });

    test('a bucket is claimed once', async () => {
      const store = await open();
      assert.equal(await store.claim('10000:1', 20_000), true);
      // In memory there is one instance: it always writes.
      assert.equal(await store.claim('10000:1', 20_000), name === 'memory');
      assert.equal(await store.claim('10000:2', 20_000), true);
    });

    test('lists: in time order, the same entry once, trimmed by age and count, read by range', async () => {
      const store = await open();
      const bounds = (keepFrom: number) => ({ keepFrom, max: 3, ttlMs: 60_000 });
      for (const at of [30, 10, 20, 20]) await store.addEntry('s', at, `e${at}`, bounds(0));
      assert.deepEqual(await store.entries('s', 0, 100), ['e10', 'e20', 'e30']);
      await store.addEntry('s', 40, 'e40', bounds(15));
      assert.deepEqual(await store.entries('s', 0, 100), ['e20', 'e30', 'e40'], 'older than keepFrom goes');
      await store.addEntry('s', 50, 'e50', bounds(0));
      assert.deepEqual(await store.entries('s', 0, 100), ['e30', 'e40', 'e50'], 'the newest max are kept');
      assert.deepEqual(await store.entries('s', 30, 50), ['e30', 'e40'], '[from, to)');
      await store.drop(['s']);
      assert.deepEqual(await store.entries('s', 0, 100), []);
    });
  });
}
