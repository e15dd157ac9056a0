import { compareEventIds as compareParsed, parseEventId } from '@pulseboard/protocol';

/**
 * Event ids are `<ms>-<seq>[-<epoch>]` (docs/protocol.md), compared
 * numerically part by part since string order puts `9-0` after `10-0`.
 * Returns <0, 0 or >0, or NaN when either id has another shape or they are of
 * different epochs (histories before and after the server's storage was reset).
 */
export function compareEventIds(a: string, b: string): number {
  const left = parseEventId(a);
  const right = parseEventId(b);
  return left && right ? compareParsed(left, right) : Number.NaN;
}

/**
 * True unless `id` is known to be at or before `last`. An id that cannot be
 * compared is let through: dropping it could lose every later event.
 */
export const isNewer = (id: string, last: string | null): boolean =>
  last === null || !(compareEventIds(id, last) <= 0);

/** Sent once per connection (never logged, never replayed): delivered even when their id is not newer. */
const PER_CONNECTION = new Set(['initial_data', 'ping', 'reconnect']);

/**
 * The exactly-once rule, shared by the transport and by tabs fed from another
 * tab's connection: whether an event with `id` is delivered after `last`, and
 * whether its id becomes the new resume point. `initial_data` replaces all
 * state, so it moves the resume point even backwards (a restarted server);
 * every other id must be newer than the last or it was seen already.
 */
export function admit(
  type: string,
  id: string | null,
  last: string | null,
): { deliver: boolean; advance: boolean } {
  const fresh = id === null || type === 'initial_data' || isNewer(id, last);
  return { deliver: fresh || PER_CONNECTION.has(type), advance: id !== null && fresh };
}
