import {
  RESOURCE_STATUSES,
  type ResourceStatus,
  WORKER_STATUSES,
  type WorkerStatus,
} from '@pulseboard/protocol';
import type { ConnectionState, ConnectionStatus } from '../transport/types.js';

/** Worst first: sorting by status puts what needs attention on top. */
export const STATUS_ORDER: readonly WorkerStatus[] = [
  'unhealthy',
  'offline',
  'degraded',
  'starting',
  'stopping',
  'healthy',
];

/** `healthy` → `Healthy`: status words show capitalised. */
export const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1);

const labels = <T extends string>(words: readonly T[]) =>
  Object.fromEntries(words.map((w) => [w, capitalize(w)])) as Record<T, string>;

export const STATUS_LABEL: Record<WorkerStatus, string> = labels(WORKER_STATUSES);

/** Resources share the worker palette: `down` reads as unhealthy, `unknown` as offline. */
export const RESOURCE_TONE: Record<ResourceStatus, WorkerStatus> = {
  healthy: 'healthy',
  degraded: 'degraded',
  down: 'unhealthy',
  unknown: 'offline',
};

export const RESOURCE_LABEL: Record<ResourceStatus, string> = labels(RESOURCE_STATUSES);

const isWorkerStatus = (value: unknown): value is WorkerStatus =>
  (WORKER_STATUSES as readonly unknown[]).includes(value);

/** Parses a `status="degraded, unhealthy"` attribute; unknown words are ignored. */
export function parseStatusList(value: string | null | undefined): WorkerStatus[] {
  return (value ?? '')
    .toLowerCase()
    .split(/[\s,]+/)
    .filter(isWorkerStatus);
}

/** States not read as named (the others are: failed, unauthorized, closed). */
const CONNECTION_LABEL: Partial<Record<ConnectionState, string>> = {
  open: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
  idle: 'Not started',
};

/**
 * The words beside the connection dot: colour never carries the state alone.
 * Without `now` there is no countdown (for the screen-reader live region, which
 * should announce a state change once, not every second).
 */
export function connectionLabel(status: ConnectionStatus, now?: number): string {
  // A retry time is set only while reconnecting.
  const seconds =
    status.nextRetryAt === null || now === undefined ? 0 : Math.ceil((status.nextRetryAt - now) / 1000);
  if (seconds > 0) return `Reconnecting in ${seconds} s`;
  return CONNECTION_LABEL[status.state] ?? capitalize(status.state);
}
