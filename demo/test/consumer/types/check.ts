// Case (c): what a strict TypeScript user writes against the published types,
// type-checked only (tsc --noEmit in the consumer project). Each expected error
// below proves a type is precise, not `any`.
import { type BullMQWatch, type OperationError, watchBullMQ } from '@pulseboard/bullmq';
import { type InitialDataPayload, PROTOCOL_VERSION, type ReportableStatus } from '@pulseboard/protocol';
import { createReporter, type Reporter, type ReporterOptions } from '@pulseboard/reporter';
import { createApp, createPulseboard } from '@pulseboard/server';
import { createReporter as createServerReporter } from '@pulseboard/server/reporter';
import '@pulseboard/widgets/define.js';

const server = await createApp({ port: 0, workerTokens: ['worker-secret'] });
const { url }: { url: string } = await server.listen();

const options: ReporterOptions = { url, token: 'worker-secret', worker: { id: 'ts-1', queue: 'email' } };
const reporter: Reporter = createReporter(options);
const status: ReportableStatus = 'healthy';
reporter.update({ status });
// @ts-expect-error only the server sets a worker offline
reporter.update({ status: 'offline' });
await createServerReporter(options).start();
// The documented form, an environment variable that may be unset (exactOptionalPropertyTypes is on).
createReporter({ url, token: process.env.PULSE_WORKER_TOKEN, worker: { id: 'ts-2' } });

const pulse = await createPulseboard({
  basePath: '/pulse',
  readTokens: ['read-secret'],
  workerTokens: ['w'],
});
export const ready: boolean = pulse.ready();
// @ts-expect-error basePath is a string
await createPulseboard({ basePath: 1 });
await pulse.close();

export const onSnapshot = (snapshot: InitialDataPayload) =>
  snapshot.v === PROTOCOL_VERSION && snapshot.workers.length;

// define.js alone (no other import of the widgets here) types every tag.
const warning: number = document.querySelector('dlq-monitor')!.warning;
document.createElement('dlq-monitor').critical = warning * 10;
document.querySelector('sse-connection')!.src = url;
// @ts-expect-error warning is a number
document.querySelector('dlq-monitor')!.warning = 'ten';

// The BullMQ adapter: options as the environment gives them, and its operations' error codes.
const watch: BullMQWatch = watchBullMQ({
  connection: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  serverUrl: url,
  queues: process.env.PULSE_BULLMQ_QUEUES?.split(','),
  token: process.env.PULSE_WORKER_TOKEN,
});
export const watched: readonly string[] = watch.queues;
// @ts-expect-error reconcileMs is a number of ms
watchBullMQ({ connection: 'redis://127.0.0.1:6379', serverUrl: url, reconcileMs: '5s' });
export const notFound = (error: OperationError) => error.code === 'job_not_found';
// @ts-expect-error not one of the codes
export const unknownCode = (error: OperationError) => error.code === 'nope';
