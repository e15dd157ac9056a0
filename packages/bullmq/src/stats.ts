import type { QueueStats } from '@pulseboard/protocol';

/** What `Queue.getJobCounts()` answers (every state it knows; a missing one counts 0). */
export type JobCounts = Record<string, number>;

/** The BullMQ states the adapter reads, in the order `getJobCounts` is asked for them. */
export const JOB_STATES = [
  'waiting',
  'paused',
  'prioritized',
  'delayed',
  'waiting-children',
  'active',
  'completed',
  'failed',
] as const;

/**
 * BullMQ's job counts as Pulseboard queue stats (the table in the README):
 * every job not started yet is depth, active is in flight, the completed and
 * failed sets as BullMQ keeps them are processed and failed, and a failed job
 * (its attempts used up, waiting for an operator) is a dead letter.
 */
export function toQueueStats(counts: JobCounts, ratePerSec: number): QueueStats {
  const n = (state: string) => counts[state] ?? 0;
  return {
    depth: n('waiting') + n('paused') + n('prioritized') + n('delayed') + n('waiting-children'),
    inFlight: n('active'),
    processed: n('completed'),
    failed: n('failed'),
    deadLetter: n('failed'),
    ratePerSec,
  };
}

/** The fields of `next` that differ from `previous` (all of them without one). */
export function changedStats(previous: QueueStats | undefined, next: QueueStats): Partial<QueueStats> {
  if (!previous) return next;
  const changed: Partial<QueueStats> = {};
  for (const key of Object.keys(next) as (keyof QueueStats)[]) {
    if (previous[key] !== next[key]) changed[key] = next[key];
  }
  return changed;
}
