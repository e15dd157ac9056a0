import type { ActionParamSpec, ActionParams } from '@pulseboard/protocol';
import type { ReporterAction } from '@pulseboard/reporter';
import type { Queue } from 'bullmq';
import {
  cleanJobs,
  pauseQueue,
  promoteJob,
  removeJob,
  resumeQueue,
  retryAllFailed,
  retryJob,
} from './operations.js';

// Kept short: every declaration travels in each dashboard's initial_data, 1,000 queues' worth.
/** A job's id: the dead letter's own for the `deadLetters` actions that take it (one entry), typed in for the queue's. */
const JOB_ID = { id: { type: 'string', label: 'Job id', required: true } } satisfies Record<
  string,
  ActionParamSpec
>;
/** Only jobs finished at least this long ago; none: every one. */
const GRACE = {
  olderThanSec: { type: 'number', label: 'Older than (s)', minimum: 0, integer: true },
} satisfies Record<string, ActionParamSpec>;

const jobId = (params: ActionParams) => String(params.id);
const graceMs = (params: ActionParams) => Number(params.olderThanSec ?? 0) * 1000;
const count = (n: number, what: string) => `${n.toLocaleString('en-US')} ${what}${n === 1 ? '' : 's'}`;

/**
 * The operator actions of one BullMQ queue's Pulseboard worker, each performed
 * through BullMQ's own API (operations.ts); an `OperationError` (no such job,
 * not failed, locked) is the answer's message. `changed` hears each that
 * changed the queue, so its counts and dead letters are read again at once
 * rather than when BullMQ's events arrive.
 */
export function queueActions(queue: Queue, changed: () => void): ReporterAction[] {
  /** Runs `operation`, then tells `changed` and answers `message` of its result. */
  const act =
    <T>(
      operation: (params: ActionParams) => Promise<T>,
      message: (result: T, params: ActionParams) => string,
    ) =>
    async (params: ActionParams) => {
      const result = await operation(params);
      changed();
      return message(result, params);
    };
  return [
    {
      name: 'retry',
      target: 'deadLetters',
      label: 'Retry',
      params: JOB_ID,
      handler: act(
        (p) => retryJob(queue, jobId(p)),
        (_, p) => `Job ${jobId(p)} moved back to waiting`,
      ),
    },
    {
      name: 'remove',
      target: 'deadLetters',
      label: 'Delete',
      confirm: 'Delete this failed job? It cannot be retried.',
      dangerous: true,
      params: JOB_ID,
      handler: act(
        (p) => removeJob(queue, jobId(p)),
        (_, p) => `Job ${jobId(p)} removed`,
      ),
    },
    {
      name: 'retryAll',
      target: 'deadLetters',
      label: 'Retry all failed',
      confirm: 'Retry every failed job?',
      handler: act(
        () => retryAllFailed(queue),
        (n) => `${count(n, 'failed job')} moved back to waiting`,
      ),
    },
    {
      name: 'cleanFailed',
      target: 'deadLetters',
      label: 'Clean failed',
      confirm: 'Remove the failed jobs?',
      dangerous: true,
      params: GRACE,
      handler: act(
        (p) => cleanJobs(queue, 'failed', graceMs(p)),
        (ids) => `${count(ids.length, 'failed job')} removed`,
      ),
    },
    {
      name: 'pause',
      target: 'queue',
      label: 'Pause',
      handler: act(
        () => pauseQueue(queue),
        () => 'Paused: Workers take no new jobs',
      ),
    },
    {
      name: 'resume',
      target: 'queue',
      label: 'Resume',
      handler: act(
        () => resumeQueue(queue),
        () => 'Resumed',
      ),
    },
    {
      name: 'promote',
      target: 'queue',
      label: 'Promote a delayed job',
      params: JOB_ID,
      handler: act(
        (p) => promoteJob(queue, jobId(p)),
        (_, p) => `Job ${jobId(p)} moved to waiting`,
      ),
    },
    {
      name: 'removeJob',
      target: 'queue',
      label: 'Remove a job',
      confirm: 'Remove this job?',
      dangerous: true,
      params: JOB_ID,
      handler: act(
        (p) => removeJob(queue, jobId(p)),
        (_, p) => `Job ${jobId(p)} removed`,
      ),
    },
    {
      name: 'cleanCompleted',
      target: 'queue',
      label: 'Clean completed',
      confirm: 'Remove the completed jobs?',
      dangerous: true,
      params: GRACE,
      handler: act(
        (p) => cleanJobs(queue, 'completed', graceMs(p)),
        (ids) => `${count(ids.length, 'completed job')} removed`,
      ),
    },
  ];
}
