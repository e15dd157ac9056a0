import { compareEventIds, parseEventId } from '@pulseboard/protocol';

/**
 * True unless `id` is known to be at or before `last` (docs/protocol.md: ids
 * compare part by part within one epoch). An id that cannot be compared
 * (another shape, another epoch) is let through: dropping it could lose every
 * later event.
 */
export function isNewer(id: string, last: string | null): boolean {
  if (last === null) return true;
  const left = parseEventId(id);
  const right = parseEventId(last);
  return !(left && right && compareEventIds(left, right) <= 0);
}

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
