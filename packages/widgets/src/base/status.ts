import { type ResourceStatus, WORKER_STATUSES, type WorkerStatus } from '@pulseboard/protocol';
import type { ConnectionStatus } from '../client/types.js';

/** Worst first: sorting by status puts what needs attention on top. */
export const STATUS_ORDER: readonly WorkerStatus[] = [
  'unhealthy',
  'offline',
  'degraded',
  'starting',
  'stopping',
  'healthy',
];

export const STATUS_LABEL: Record<WorkerStatus, string> = {
  starting: 'Starting',
  healthy: 'Healthy',
  degraded: 'Degraded',
  unhealthy: 'Unhealthy',
  offline: 'Offline',
  stopping: 'Stopping',
};

/** Resources share the worker palette: `down` reads as unhealthy, `unknown` as offline. */
export const RESOURCE_TONE: Record<ResourceStatus, WorkerStatus> = {
  healthy: 'healthy',
  degraded: 'degraded',
  down: 'unhealthy',
  unknown: 'offline',
};

export const RESOURCE_LABEL: Record<ResourceStatus, string> = {
  healthy: 'Healthy',
  degraded: 'Degraded',
  down: 'Down',
  unknown: 'Unknown',
};

export const isWorkerStatus = (value: unknown): value is WorkerStatus =>
  (WORKER_STATUSES as readonly unknown[]).includes(value);

/** Parses a `status="degraded, unhealthy"` attribute; unknown words are ignored. */
export function parseStatusList(value: string | null | undefined): WorkerStatus[] {
  return (value ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter(isWorkerStatus);
}

/**
 * The words beside the connection dot: colour never carries the state alone.
 * Without `now` there is no countdown (for the screen-reader live region, which
 * should announce a state change once, not every second).
 */
export function connectionLabel(status: ConnectionStatus, now?: number): string {
  switch (status.state) {
    case 'open':
      return 'Live';
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting': {
      if (status.nextRetryAt === null || now === undefined) return 'Reconnecting…';
      const seconds = Math.ceil((status.nextRetryAt - now) / 1000);
      return seconds > 0 ? `Reconnecting in ${seconds} s` : 'Reconnecting…';
    }
    case 'failed':
      return 'Failed';
    case 'unauthorized':
      return 'Unauthorized';
    case 'closed':
      return 'Closed';
    default:
      return 'Not started';
  }
}
