import type { EventId } from '@pulseboard/protocol';

/** The id's wire form, `<epochMs>-<seq>`; parse and compare with `@pulseboard/protocol`. */
export function formatEventId(id: EventId): string {
  return `${id.ms}-${id.seq}`;
}
