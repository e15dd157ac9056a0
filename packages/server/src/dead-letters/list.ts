import type { DeadLetter } from '@pulseboard/protocol';

/** A queue's dead letters as stored: newest first, with each entry's size in bytes beside it. */
export interface DeadLetterList {
  entries: DeadLetter[];
  /** `sizes[i]` is the UTF-8 length of `entries[i]`'s JSON. */
  sizes: number[];
  bytes: number;
}

/** A list's bounds: `--dead-letters-max` entries and `--dead-letters-max-bytes` of their JSON. */
export interface ListBounds {
  max: number;
  maxBytes: number;
}

export interface ListChange {
  added: readonly DeadLetter[];
  removed: readonly string[];
  replace: boolean;
}

/** Newest first; equal times by id, so a page cursor has one place in the order. */
export const newestFirst = (a: Pick<DeadLetter, 'failedAt' | 'id'>, b: Pick<DeadLetter, 'failedAt' | 'id'>) =>
  b.failedAt - a.failedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

const sizeOf = (entry: DeadLetter) => Buffer.byteLength(JSON.stringify(entry));

/**
 * The list after `change` (pure: on Redis it may run more than once), or
 * undefined when it is left empty. Removed ids go, added entries replace
 * their namesakes and take their place by time, and the oldest go while the
 * list is over either bound.
 */
export function applyChange(
  list: DeadLetterList | undefined,
  change: ListChange,
  bounds: ListBounds,
): DeadLetterList | undefined {
  const gone = new Set(change.removed);
  for (const entry of change.added) gone.add(entry.id);
  const kept: [DeadLetter, number][] = [];
  if (list && !change.replace) {
    list.entries.forEach((entry, i) => {
      if (!gone.has(entry.id)) kept.push([entry, list.sizes[i] as number]);
    });
  }
  const added = change.added.map((entry): [DeadLetter, number] => [entry, sizeOf(entry)]);
  const all = kept.concat(added).sort((a, b) => newestFirst(a[0], b[0]));
  let bytes = 0;
  let end = 0;
  for (; end < all.length && end < bounds.max; end++) {
    const size = (all[end] as [DeadLetter, number])[1];
    // The newest entry stays even when it alone is over the byte bound: its fields are clipped already.
    if (end > 0 && bytes + size > bounds.maxBytes) break;
    bytes += size;
  }
  if (end === 0) return undefined;
  const top = all.slice(0, end);
  return { entries: top.map(([entry]) => entry), sizes: top.map(([, size]) => size), bytes };
}

/** What a change did, for its event and its answer: the ids that left, and the added entries that stayed. */
export function diff(
  before: DeadLetterList | undefined,
  after: DeadLetterList | undefined,
  added: readonly DeadLetter[],
): { added: DeadLetter[]; removed: string[] } {
  const now = new Set(after?.entries.map((entry) => entry.id));
  const addedIds = new Set(added.map((entry) => entry.id));
  return {
    added: after?.entries.filter((entry) => addedIds.has(entry.id)) ?? [],
    // An id added again stays in place (the client replaces it), unless the bounds pushed it out.
    removed: (before?.entries ?? []).map((entry) => entry.id).filter((id) => !now.has(id)),
  };
}
