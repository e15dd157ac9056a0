/**
 * Event ids are `<epochMs>-<seq>`: a Redis stream id on Redis, and the same
 * shape in memory. They are compared numerically part by part, since string
 * order puts `9-0` after `10-0`. Anything else is not an id the server issued.
 */
export interface EventId {
  ms: number;
  seq: number;
}

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})$/;

/** The parts of `value`, or null when it is missing or has another shape. */
export function parseEventId(value: string | undefined | null): EventId | null {
  if (!value) return null;
  const match = ID_PATTERN.exec(value);
  if (!match) return null;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

/** <0, 0 or >0 as `a` is before, the same as or after `b`. */
export function compareEventIds(a: EventId, b: EventId): number {
  return a.ms - b.ms || a.seq - b.seq;
}
