import type { DashboardState } from './types.js';

/**
 * The ids of the workers that joined, left or got a new record between `from` and the state the store
 * handed out next, `to`; empty when they are the same state, and null when that is not known (`to` does not
 * follow `from`, or a snapshot replaced every worker): the caller must look at every worker then. A view
 * updating 2,000 of 10,000 workers a second pays for the 2,000.
 */
export function changedWorkers(from: DashboardState, to: DashboardState): ReadonlySet<string> | null {
  const step = to.workerChanges;
  if (step === from.workerChanges) return new Set();
  return step.before?.deref() === from.workerChanges ? step.ids : null;
}

/** Whether `to` has the workers `from` has, each with the same name and status: lists ordered by them stand. */
export function sameStatuses(from: DashboardState, to: DashboardState): boolean {
  const ids = changedWorkers(from, to);
  if (!ids) return false;
  for (const id of ids) {
    const was = from.workers.get(id);
    const is = to.workers.get(id);
    if (was?.status !== is?.status || was?.name !== is?.name) return false;
  }
  return true;
}
