import { type EventId, type EventPayloads, type LoggedEventType, parseEventId } from '@pulseboard/protocol';
import { encodeFrame } from './sse/frame.js';

/** A logged event, serialized once: every client without a worker filter gets `frame` as is. */
export interface LoggedEvent<T extends LoggedEventType = LoggedEventType> {
  id: string;
  /** `id` parsed once, for ordering. */
  position: EventId;
  type: T;
  data: EventPayloads[T];
  frame: Buffer;
  /** Worker ids the event concerns, computed once; null when it concerns no worker in particular. */
  workers: readonly string[] | null;
}

export type AnyLoggedEvent = { [T in LoggedEventType]: LoggedEvent<T> }[LoggedEventType];

export type LoggedEventInput = {
  [T in LoggedEventType]: { type: T; data: EventPayloads[T] };
}[LoggedEventType];

export function createLoggedEvent(id: string, input: LoggedEventInput): AnyLoggedEvent {
  const position = parseEventId(id);
  if (!position) throw new Error(`Not an event id: ${id}`);
  const frame = encodeFrame(id, input.type, JSON.stringify(input.data));
  return { id, position, ...input, frame, workers: workersOf(input) } as AnyLoggedEvent;
}

/**
 * `event` as a replay window keeps it: the frame, and the payload read back from the frame when asked
 * for (replay to a client with a worker filter: sse/filter.ts). The payload's objects are not kept: a
 * `metrics_update` of 1,000 workers is ~4,000 of them, held for minutes in the old generation, where
 * every full collection marks them again (docs/benchmarks.md, ingest).
 */
export function retainedEvent(event: AnyLoggedEvent): AnyLoggedEvent {
  const { id, position, type, frame, workers } = event;
  let data: unknown;
  return {
    id,
    position,
    type,
    frame,
    workers,
    get data() {
      // The frame's one data line, without its "\n\n" (sse/frame.ts).
      data ??= JSON.parse(frame.toString('utf8', frame.indexOf('\ndata: ') + 7, frame.length - 2));
      return data;
    },
  } as AnyLoggedEvent;
}

function workersOf(input: LoggedEventInput): readonly string[] | null {
  switch (input.type) {
    case 'worker_registered':
      return [input.data.worker.id];
    case 'worker_deregistered':
    case 'worker_status_change':
    case 'worker_status_update':
      return [input.data.id];
    case 'metrics_update':
      return input.data.items.map((row) => row[0]);
    case 'log':
      return input.data.entries.map((entry) => entry.workerId);
    case 'dashboard_update':
      return input.data.workers.map((worker) => worker.id);
    case 'action_requested':
    case 'action_completed':
      return [input.data.action.worker];
    case 'resources_update':
    case 'queues_update':
    case 'dead_letters_update':
      return null;
  }
}
