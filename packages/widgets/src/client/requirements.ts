import type { EventType } from '@pulseboard/protocol';
import type { Slice } from '../store/types.js';
import type { Requirement } from './types.js';

/** A server-side filter: event types and worker ids, null for all. Lists are sorted, so equal filters compare equal. */
export interface Filter {
  types: readonly string[] | null;
  workers: readonly string[] | null;
}

/**
 * The events that change each slice (`initial_data` changes all of them and always arrives).
 * `worker_status_update` is not asked for: servers no longer send it (the reducer still accepts it from older ones).
 */
const SLICE_EVENTS: Record<Slice, readonly EventType[]> = {
  workers: [
    'worker_registered',
    'worker_deregistered',
    'worker_status_change',
    'metrics_update',
    'dashboard_update',
  ],
  resources: ['resources_update'],
  queues: ['queues_update', 'dashboard_update'],
  aggregates: ['dashboard_update'],
  logs: ['log'],
  history: ['worker_registered', 'metrics_update'],
  actions: ['action_requested', 'action_completed'],
  connection: [],
};

/** The event types an element watching `slices` needs, for `client.require(owner, {types})`. */
export const eventTypesFor = (slices: Iterable<Slice>): EventType[] => [
  ...new Set([...slices].flatMap((slice) => SLICE_EVENTS[slice])),
];

/** What a set of declarations asks of the server together: null (all) wins over any list. */
export function unionOf(requirements: Iterable<Requirement | Filter>): Filter {
  const all = [...requirements];
  const merge = (lists: (readonly string[] | null | undefined)[]): readonly string[] | null =>
    lists.length === 0 || lists.some((list) => list == null)
      ? null
      : [...new Set(lists.flatMap((list) => list ?? []))].sort();
  return { types: merge(all.map((r) => r.types)), workers: merge(all.map((r) => r.workers)) };
}
