import type { HistoryStore, ListBounds, RingBatch } from './history-types.js';

interface Entry {
  at: number;
  entry: string;
}

/** History in this process: a byte array per ring and an array per list. */
export class MemoryHistoryStore implements HistoryStore {
  readonly #rings = new Map<string, Uint8Array>();
  readonly #lists = new Map<string, Entry[]>();

  async write({ bytes, records }: RingBatch): Promise<void> {
    for (const { key, offset, start, length, size } of records) {
      let ring = this.#rings.get(key);
      if (!ring) {
        ring = new Uint8Array(size);
        this.#rings.set(key, ring);
      }
      // A loop, not set(subarray): a view per record costs more than copying its 52 bytes.
      for (let i = 0; i < length; i++) ring[offset + i] = bytes[start + i] as number;
    }
  }

  async read(keys: readonly string[], offset: number, length: number): Promise<Uint8Array[]> {
    return keys.map((key) => {
      const ring = this.#rings.get(key);
      // A copy: the caller may hold it while later writes land.
      return ring ? ring.slice(offset, offset + length) : new Uint8Array(length);
    });
  }

  async claim(): Promise<boolean> {
    return true;
  }

  async addEntry(key: string, at: number, entry: string, { keepFrom, max }: ListBounds): Promise<void> {
    const list = (this.#lists.get(key) ?? []).filter((e) => e.at >= keepFrom && e.entry !== entry);
    // Kept in time order, as a sorted set would be.
    let i = list.length;
    while (i > 0 && (list[i - 1] as Entry).at > at) i--;
    list.splice(i, 0, { at, entry });
    this.#lists.set(key, list.slice(-max));
  }

  async entries(key: string, from: number, to: number): Promise<string[]> {
    return (this.#lists.get(key) ?? []).filter((e) => e.at >= from && e.at < to).map((e) => e.entry);
  }

  async drop(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.#rings.delete(key);
      this.#lists.delete(key);
    }
  }
}
