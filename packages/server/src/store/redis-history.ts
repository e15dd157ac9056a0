import { RESP_TYPES } from 'redis';
import type { HistoryStore, ListBounds, RingBatch } from './history-types.js';
import { guard, type RedisClient } from './redis-client.js';

const PREFIX = 'pulseboard:history:';
const BINARY = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const;

/**
 * History in Redis, shared by every instance: a string per ring (SETRANGE and
 * GETRANGE on the record's bytes, so a write costs its 50-odd bytes whatever
 * the ring's size) and a sorted set per list, scored by time. Commands are
 * sent together (node-redis pipelines what is sent in one tick), so closing a
 * bucket for 10,000 workers is one batch, not 10,000 round trips.
 */
export class RedisHistoryStore implements HistoryStore {
  constructor(readonly client: RedisClient) {}

  async write({ bytes, records }: RingBatch): Promise<void> {
    const commands: Promise<unknown>[] = [];
    for (const { key, offset, start, length, ttlMs } of records) {
      const name = PREFIX + key;
      const record = Buffer.from(bytes.buffer, bytes.byteOffset + start, length);
      commands.push(
        this.client.sendCommand(['SETRANGE', name, String(offset), record]),
        this.client.sendCommand(['PEXPIRE', name, String(ttlMs)]),
      );
    }
    await guard(Promise.all(commands));
  }

  async read(keys: readonly string[], offset: number, length: number): Promise<Uint8Array[]> {
    const replies = await guard(
      Promise.all(
        keys.map(
          (key) =>
            this.client.sendCommand(
              ['GETRANGE', PREFIX + key, String(offset), String(offset + length - 1)],
              BINARY,
            ) as Promise<Buffer>,
        ),
      ),
    );
    // A ring shorter than asked (never written that far, or not there) reads as zeros past its end.
    return replies.map((reply) => {
      if (reply.length === length) return new Uint8Array(reply.buffer, reply.byteOffset, reply.byteLength);
      const padded = new Uint8Array(length);
      padded.set(reply);
      return padded;
    });
  }

  async claim(name: string, ttlMs: number): Promise<boolean> {
    const reply = await guard(this.client.set(`${PREFIX}claim:${name}`, '1', { NX: true, PX: ttlMs }));
    return reply === 'OK';
  }

  async addEntry(
    key: string,
    at: number,
    entry: string,
    { keepFrom, max, ttlMs }: ListBounds,
  ): Promise<void> {
    const name = PREFIX + key;
    await guard(
      Promise.all([
        // The same change from every instance is one member: each adds it, it is stored once.
        this.client.zAdd(name, { score: at, value: entry }),
        this.client.zRemRangeByScore(name, '-inf', `(${keepFrom}`),
        this.client.zRemRangeByRank(name, 0, -(max + 1)),
        this.client.pExpire(name, ttlMs),
      ]),
    );
  }

  async entries(key: string, from: number, to: number): Promise<string[]> {
    return guard(this.client.zRangeByScore(PREFIX + key, from, `(${to}`));
  }

  async drop(keys: readonly string[]): Promise<void> {
    if (keys.length > 0) await guard(this.client.del(keys.map((key) => PREFIX + key)));
  }
}
