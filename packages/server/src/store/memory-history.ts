import type { HistoryStore, ListBounds, RingBatch } from './history-types.js';

interface Entry {
  at: number;
  entry: string;
}

/**
 * A ring's bytes in pages, each made at its first write: a ring is made when its worker's first
 * bucket closes, and whole (~94 KB a worker, zeroed) it cost a fleet that just started ~0.4 s a
 * thousand workers, at once, besides the memory of months of history not yet recorded.
 */
const PAGE_BYTES = 4096;

/**
 * Calls `each` for every page the bytes `[offset, offset + length)` of a ring touch: the page's index,
 * where in it the range starts, how many bytes of the range it holds, and where they are in the range.
 */
function forPages(
  offset: number,
  length: number,
  each: (index: number, from: number, count: number, at: number) => void,
): void {
  for (let at = 0; at < length; ) {
    const from = (offset + at) % PAGE_BYTES;
    const count = Math.min(PAGE_BYTES - from, length - at);
    each(Math.floor((offset + at) / PAGE_BYTES), from, count, at);
    at += count;
  }
}

/** History in this process: a ring's pages, and an array per list. */
export class MemoryHistoryStore implements HistoryStore {
  readonly #rings = new Map<string, (Uint8Array | undefined)[]>();
  readonly #lists = new Map<string, Entry[]>();

  async write({ bytes, records }: RingBatch): Promise<void> {
    for (const { key, offset, start, length, size } of records) {
      let ring = this.#rings.get(key);
      if (!ring) {
        ring = new Array(Math.ceil(size / PAGE_BYTES));
        this.#rings.set(key, ring);
      }
      forPages(offset, length, (index, from, count, at) => {
        let page = ring[index];
        if (!page) {
          page = new Uint8Array(Math.min(PAGE_BYTES, size - index * PAGE_BYTES));
          ring[index] = page;
        }
        // A loop, not set(subarray): a view per record costs more than copying its 52 bytes.
        for (let i = 0; i < count; i++) page[from + i] = bytes[start + at + i] as number;
      });
    }
  }

  async read(keys: readonly string[], offset: number, length: number): Promise<Uint8Array[]> {
    return keys.map((key) => {
      // A copy: the caller may hold it while later writes land.
      const out = new Uint8Array(length);
      const ring = this.#rings.get(key);
      if (!ring) return out;
      forPages(offset, length, (index, from, count, at) => {
        const page = ring[index];
        if (page) out.set(page.subarray(from, from + count), at);
      });
      return out;
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
