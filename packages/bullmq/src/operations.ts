import type { Queue } from 'bullmq';

/**
 * The BullMQ operations an operator's actions will run (issue 15 routes the
 * requests; these are what its handlers call). Each checks what BullMQ would
 * otherwise do silently or vaguely, and fails with an `OperationError` whose
 * `code` says why, so a handler can answer with it as is.
 */
export class OperationError extends Error {
  constructor(
    readonly code: 'job_not_found' | 'job_not_failed' | 'job_not_delayed' | 'job_locked',
    message: string,
  ) {
    super(message);
    this.name = 'OperationError';
  }
}

async function jobOf(queue: Queue, jobId: string) {
  const job = await queue.getJob(jobId);
  if (!job) throw new OperationError('job_not_found', `No job "${jobId}" in queue "${queue.name}"`);
  return job;
}

/** Moves a failed job back to waiting, to be run again. */
export async function retryJob(queue: Queue, jobId: string): Promise<void> {
  const job = await jobOf(queue, jobId);
  const state = await job.getState();
  if (state !== 'failed') {
    throw new OperationError(
      'job_not_failed',
      `Job "${jobId}" in queue "${queue.name}" is ${state}, not failed`,
    );
  }
  await job.retry('failed');
}

/** Moves every failed job back to waiting; answers how many there were. */
export async function retryAllFailed(queue: Queue): Promise<number> {
  const count = await queue.getFailedCount();
  await queue.retryJobs({ state: 'failed' });
  return count;
}

/** Removes a job (and its logs); an active job holds a lock and cannot be removed. */
export async function removeJob(queue: Queue, jobId: string): Promise<void> {
  await jobOf(queue, jobId);
  if ((await queue.remove(jobId)) !== 1) {
    throw new OperationError(
      'job_locked',
      `Job "${jobId}" in queue "${queue.name}" is being processed (locked)`,
    );
  }
}

/** Removes the failed or completed jobs older than `graceMs` (all by default); answers their ids. */
export function cleanJobs(queue: Queue, state: 'failed' | 'completed', graceMs = 0): Promise<string[]> {
  return queue.clean(graceMs, 0, state);
}

/** Runs a delayed job now: moves it to waiting. */
export async function promoteJob(queue: Queue, jobId: string): Promise<void> {
  const job = await jobOf(queue, jobId);
  if (!(await job.isDelayed())) {
    throw new OperationError('job_not_delayed', `Job "${jobId}" in queue "${queue.name}" is not delayed`);
  }
  await job.promote();
}

/** Stops workers taking new jobs from the queue (jobs already active finish). */
export function pauseQueue(queue: Queue): Promise<void> {
  return queue.pause();
}

export function resumeQueue(queue: Queue): Promise<void> {
  return queue.resume();
}
