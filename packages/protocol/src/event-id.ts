/**
 * Event ids are `<ms>-<seq>`, optionally followed by `-<epoch>`: in memory
 * the server's boot time and a counter; on Redis the stream id and the
 * storage generation (a new one when Redis lost its data), so an id from
 * before a reset never passes for one after it. Ids of the same epoch compare
 * numerically part by part (string order puts `9-0` after `10-0`); ids of
 * different epochs belong to different histories and do not compare at all.
 * Anything else is not an id the server issued.
 */
export interface EventId {
  ms: number;
  seq: number;
  /** '' when the id has none. */
  epoch: string;
}

const ID_PATTERN = /^(\d{1,15})-(\d{1,15})(?:-([0-9a-z]{1,16}))?$/;

/** The parts of `value`, or null when it is missing or has another shape. */
export function parseEventId(value: string | undefined | null): EventId | null {
  const match = ID_PATTERN.exec(value ?? '');
  return match && { ms: Number(match[1]), seq: Number(match[2]), epoch: match[3] ?? '' };
}

/** <0, 0 or >0 as `a` is before, the same as or after `b`; NaN when their epochs differ. */
export function compareEventIds(a: EventId, b: EventId): number {
  return a.epoch === b.epoch ? a.ms - b.ms || a.seq - b.seq : Number.NaN;
}
