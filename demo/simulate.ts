/**
 * The simulator on its own, against any Pulseboard server (the compose
 * `simulator` service uses it against `backend`):
 *
 *   node --import tsx demo/simulate.ts --url http://127.0.0.1:8090 --workers 12 [--token <worker token>]
 *
 * PULSE_URL, PULSE_SIMULATE and PULSE_WORKER_TOKEN work in place of the flags.
 */
import { parseArgs } from 'node:util';
import { createSimulator } from './simulator.js';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.PULSE_URL ?? 'http://127.0.0.1:8090' },
    workers: { type: 'string', default: process.env.PULSE_SIMULATE ?? '12' },
    token: { type: 'string', default: process.env.PULSE_WORKER_TOKEN },
    'expire-after': { type: 'string', default: '300000' },
  },
});
const workers = Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers expects a positive whole number`);

const reported = new Set<string>();
const simulator = createSimulator({
  url: values.url,
  workers,
  token: values.token,
  // Must match the server's --expire-after, so crashed workers are replaced after the server drops them.
  expireAfterMs: Number(values['expire-after']),
  onError: (error) => {
    if (reported.has(error.message)) return;
    reported.add(error.message);
    process.stderr.write(`simulator: ${error.message}\n`);
  },
});
await simulator.start();
process.stdout.write(`Simulating ${workers} workers against ${values.url}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    simulator.stop().finally(() => process.exit(0));
  });
}
