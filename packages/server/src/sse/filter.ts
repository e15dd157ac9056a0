import { EVENT_TYPES, type EventType, LIMITS } from '@pulseboard/protocol';
import { HttpError } from '../errors.js';
import type { AnyLoggedEvent } from '../events.js';
import { ID_RULE } from '../validation.js';
import { encodeFrame } from './frame.js';

/** A client's `?types=` and `?workers=`, parsed once per connection. */
export interface StreamFilter {
  types: ReadonlySet<EventType> | null;
  workers: ReadonlySet<string> | null;
  /** Identifies the worker filter, so projections are shared between clients with the same one. */
  workersKey: string;
}

const MAX_FILTER_WORKERS = 1000;

const KNOWN_TYPES = new Set<string>(EVENT_TYPES);

function list(value: string | string[] | undefined): string[] {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

export function parseFilter(query: Record<string, string | string[] | undefined>): StreamFilter {
  const types = list(query.types);
  const unknown = types.filter((type) => !KNOWN_TYPES.has(type));
  if (unknown.length) {
    throw new HttpError(400, 'invalid_filter', `Unknown event types: ${unknown.join(', ')}`, [
      { path: 'types', message: `known types: ${EVENT_TYPES.join(', ')}` },
    ]);
  }
  const workers = [...new Set(list(query.workers))].sort();
  const badIds = workers.filter((id) => !LIMITS.idPattern.test(id));
  if (badIds.length || workers.length > MAX_FILTER_WORKERS) {
    throw new HttpError(
      400,
      'invalid_filter',
      `workers= takes up to ${MAX_FILTER_WORKERS} valid worker ids`,
      [{ path: 'workers', message: `ids must match ${ID_RULE}` }],
    );
  }
  return {
    types: types.length ? new Set(types as EventType[]) : null,
    workers: workers.length ? new Set(workers) : null,
    workersKey: workers.join(','),
  };
}

/** Per event, projections by worker filter: computed once per distinct filter, not once per client. */
export type ProjectionCache = Map<string, Buffer | null>;

/** The bytes `filter` should receive for `event`, or null to skip it. */
export function selectFrame(
  event: AnyLoggedEvent,
  filter: StreamFilter,
  cache: ProjectionCache,
): Buffer | null {
  if (filter.types && !filter.types.has(event.type)) return null;
  if (!filter.workers) return event.frame;
  let frame = cache.get(filter.workersKey);
  if (frame === undefined) {
    frame = frameForWorkers(event, filter.workers);
    cache.set(filter.workersKey, frame);
  }
  return frame;
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
