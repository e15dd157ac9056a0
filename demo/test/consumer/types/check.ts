// Case (c): what a strict TypeScript user writes against the published types,
// type-checked only (tsc --noEmit in the consumer project). Each expected error
// below proves a type is precise, not `any`.
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
