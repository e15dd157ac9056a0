export { type WorkerConnection, workerConnections } from './connections.js';
export { type BullDeadLetter, readDeadLetter } from './dead-letters.js';
export { scanQueues } from './discovery.js';
export {
  cleanJobs,
  OperationError,
  pauseQueue,
  promoteJob,
  removeJob,
  resumeQueue,
  retryAllFailed,
  retryJob,
} from './operations.js';
export { type JobCounts, toQueueStats } from './stats.js';
export { type BullMQWatch, type WatchBullMQOptions, watchBullMQ } from './watch.js';
