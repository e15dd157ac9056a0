import type { ActionDeclaration, SnapshotWorker } from '@pulseboard/protocol';

/**
 * A payload listing workers (`initial_data`, `dashboard_update`) with each
 * distinct action list sent once, in `actionSets`, and each worker that
 * declares one naming it by index: 1,000 BullMQ queues declare the same nine
 * actions, 1.3 MB of a 1.8 MB `initial_data` when each carried its copy. A
 * worker that declares none keeps `actions: []`.
 */
export function shareActionSets<T extends { workers: SnapshotWorker[] }>(
  payload: T,
): T & { actionSets: ActionDeclaration[][] } {
  const actionSets: ActionDeclaration[][] = [];
  const byText = new Map<string, number>();
  const workers = payload.workers.map((worker): SnapshotWorker => {
    if (!worker.actions?.length) return worker;
    const text = JSON.stringify(worker.actions);
    let actionSet = byText.get(text);
    if (actionSet === undefined) {
      actionSet = actionSets.push(worker.actions) - 1;
      byText.set(text, actionSet);
    }
    const { actions: _, ...rest } = worker;
    return { ...rest, actionSet };
  });
  return { ...payload, actionSets, workers };
}
