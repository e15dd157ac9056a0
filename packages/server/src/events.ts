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
    case 'resources_update':
    case 'queues_update':
    case 'dead_letters_update':
      return null;
  }
}

/**
 * The frame a client filtered to `workers` should get, or null to skip the
 * event. Multi-worker payloads are cut down to the filtered workers and
 * re-serialized (callers cache the result per filter); `dashboard_update` is
 * always sent because its aggregates concern everyone.
 */
export function frameForWorkers(event: AnyLoggedEvent, workers: ReadonlySet<string>): Buffer | null {
  if (event.workers === null) return event.frame;
  const matching = event.workers.filter((id) => workers.has(id)).length;
  if (matching === event.workers.length) return event.frame;
  switch (event.type) {
    case 'metrics_update': {
      if (matching === 0) return null;
      const items = event.data.items.filter((row) => workers.has(row[0]));
      return encodeFrame(event.id, event.type, JSON.stringify({ ...event.data, items }));
    }
    case 'log': {
      if (matching === 0) return null;
      const entries = event.data.entries.filter((entry) => workers.has(entry.workerId));
      return encodeFrame(event.id, event.type, JSON.stringify({ ...event.data, entries }));
    }
    case 'dashboard_update': {
      const changed = event.data.workers.filter((worker) => workers.has(worker.id));
      return encodeFrame(event.id, event.type, JSON.stringify({ ...event.data, workers: changed }));
    }
    default:
      return null;
  }
}
