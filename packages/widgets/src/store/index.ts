export { changedWorkers, sameStatuses } from './changes.js';
export { LogRing } from './log-ring.js';
export type { RawEvent, Reduction } from './reduce.js';
export { pruneDeparted, reduce } from './reduce.js';
export { toInitialData } from './snapshot.js';
export type { DepartedWorker, StoreOptions, StoreState } from './state.js';
export { createState, DEFAULT_STORE_OPTIONS, withOptions } from './state.js';
