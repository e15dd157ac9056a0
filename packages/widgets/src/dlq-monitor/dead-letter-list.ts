import { DEAD_LETTER_LIMITS, type DeadLetter } from '@pulseboard/protocol';

/** A dead letter as the list shows it: checked fields, and the lower-cased text a search looks in. */
export interface Letter {
  id: string;
  name: string;
  failedAt: number;
  attempts: number;
  message: string;
  stack: string;
  /** The job's data as sent (undefined: none); see `payloadText`. */
  payload: unknown;
  /** Whether `payload` is the server's clipped JSON text rather than the value. */
  payloadClipped: boolean;
  workerId: string;
  haystack: string;
}

const text = (value: unknown, max: number): string =>
  typeof value === 'string' ? value.slice(0, max + 64) : '';
const count = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;

/** A dead letter off the wire, checked (nothing from the server is trusted), or null when unusable. */
export function readLetter(raw: unknown): Letter | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const entry = raw as Partial<Record<keyof DeadLetter, unknown>>;
  if (typeof entry.id !== 'string' || entry.id === '') return null;
  const error = (typeof entry.error === 'object' && entry.error) || {};
  const id = text(entry.id, DEAD_LETTER_LIMITS.idMax);
  const name = text(entry.name, DEAD_LETTER_LIMITS.nameMax);
  const message = text((error as { message?: unknown }).message, DEAD_LETTER_LIMITS.messageMax);
  const payloadClipped = Array.isArray(entry.clipped) && entry.clipped.includes('payload');
  return {
    id,
    name,
    failedAt: count(entry.failedAt),
    attempts: count(entry.attempts),
    message,
    stack: text((error as { stack?: unknown }).stack, DEAD_LETTER_LIMITS.stackMax),
    payload: payloadClipped ? text(entry.payload, DEAD_LETTER_LIMITS.payloadMax) : entry.payload,
    payloadClipped,
    workerId: text(entry.workerId, 128),
    haystack: `${id}\n${name}\n${message}`.toLowerCase(),
  };
}

/**
 * The payload as JSON text, pretty-printed ('' for none), or the server's clipped text as it is.
 * Formatted when an entry is opened, not for each of 10,000 as they load.
 */
export const payloadText = (letter: Letter): string =>
  letter.payloadClipped ? (letter.payload as string) : (JSON.stringify(letter.payload, null, 2) ?? '');

const newestFirst = (a: Letter, b: Letter) =>
  b.failedAt - a.failedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * One queue's dead letters as the panel holds them: newest first, changed by
 * `dead_letters_update` deltas (removed ids go, added ones replace their
 * namesakes). A new list per change, so a render can tell it changed.
 */
export class LetterList {
  /** The dead letters, newest first. */
  readonly letters: readonly Letter[];

  constructor(letters: readonly Letter[] = []) {
    this.letters = letters;
  }

  /** The list after a delta; unusable entries are left out. */
  apply(data: { added?: unknown; removed?: unknown; replace?: unknown }): LetterList {
    const added = (Array.isArray(data.added) ? data.added : []).map(readLetter).filter((l) => l !== null);
    const gone = new Set<unknown>(Array.isArray(data.removed) ? data.removed : []);
    for (const letter of added) gone.add(letter.id);
    const kept = data.replace === true ? [] : this.letters.filter((letter) => !gone.has(letter.id));
    return new LetterList(kept.concat(added).sort(newestFirst));
  }

  /** The letters whose id, name or error message contains `query` (any case). */
  search(query: string): readonly Letter[] {
    const needle = query.trim().toLowerCase();
    return needle ? this.letters.filter((letter) => letter.haystack.includes(needle)) : this.letters;
  }
}
