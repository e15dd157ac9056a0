/**
 * Event ids are `<epochMs>-<seq>`, the shape of a Redis stream id, compared
 * numerically part by part. Anything else is not an id we issued.
 */
export interface EventId {
  ms: number;
  seq: number;
}

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})$/;

export function parseEventId(value: string | undefined | null): EventId | null {
  if (!value) return null;
  const match = ID_PATTERN.exec(value);
  if (!match) return null;
  return { ms: Number(match[1]), seq: Number(match[2]) };
}

export function formatEventId(id: EventId): string {
  return `${id.ms}-${id.seq}`;
}

export function compareEventIds(a: EventId, b: EventId): number {
  return a.ms - b.ms || a.seq - b.seq;
}
