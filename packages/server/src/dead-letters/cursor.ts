import type { DeadLetter } from '@pulseboard/protocol';
import { HttpError } from '../errors.js';

/** A page cursor: the place in the order (time, id) of the previous page's last entry, opaque to clients. */
export function encodeCursor(entry: Pick<DeadLetter, 'failedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([entry.failedAt, entry.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Pick<DeadLetter, 'failedAt' | 'id'> {
  try {
    const [failedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof failedAt === 'number' && typeof id === 'string') return { failedAt, id };
  } catch {
    // Reported below, as any other cursor that is not ours.
  }
  throw new HttpError(400, 'invalid_query', 'Invalid query', [
    { path: 'cursor', message: "not a cursor this server gave (use the previous page's nextCursor)" },
  ]);
}
