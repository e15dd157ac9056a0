import type { EventId } from '@pulseboard/protocol';

/** The id's wire form, `<ms>-<seq>[-<epoch>]`; parse and compare with `@pulseboard/protocol`. */
export function formatEventId(id: EventId): string {
  return id.epoch ? `${id.ms}-${id.seq}-${id.epoch}` : `${id.ms}-${id.seq}`;
}
