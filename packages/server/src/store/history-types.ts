/**
 * Where history lives: byte rings (history/ring.ts says what is in them) and
 * short time-ordered lists, by key. The history module owns the keys and the
 * layout; a backend only stores bytes and entries.
 */

/** Where one record of a batch goes. */
export interface RingRecord {
  key: string;
  /** Byte offset in the ring. */
  offset: number;
  /** Where the record is in the batch's bytes, and its length. */
  start: number;
  length: number;
  /** The ring's whole length (memory allocates it at the first write). */
  size: number;
  /** The ring may go when it has not been written for this long (Redis; memory drops rings with `drop`). */
  ttlMs: number;
}

/** Records back to back in one buffer: a closed bucket of every series is one allocation, not thousands. */
export interface RingBatch {
  bytes: Uint8Array;
  records: readonly RingRecord[];
}

export interface ListBounds {
  keepFrom: number;
  max: number;
  ttlMs: number;
}

export interface HistoryStore {
  /** Writes each record into its ring; a ring that is not there starts as zeros. */
  write(batch: RingBatch): Promise<void>;
  /** `length` bytes from `offset` of each ring, in key order: exactly that long, zeros where never written. */
  read(keys: readonly string[], offset: number, length: number): Promise<Uint8Array[]>;
  /**
   * Whether this instance is the one to write the buckets named `name` (the first to ask within
   * `ttlMs`): every instance sees every sample on the event feed, and one write is enough.
   */
  claim(name: string, ttlMs: number): Promise<boolean>;
  /**
   * Adds an entry to the list `key` at `at` (an entry already there is not added twice), dropping those
   * before `bounds.keepFrom` and all but the newest `bounds.max`; the list goes when not added to for `ttlMs`.
   */
  addEntry(key: string, at: number, entry: string, bounds: ListBounds): Promise<void>;
  /** The entries of `key` in `[from, to)`, oldest first. */
  entries(key: string, from: number, to: number): Promise<string[]>;
  /** Deletes rings and lists. */
  drop(keys: readonly string[]): Promise<void>;
}
