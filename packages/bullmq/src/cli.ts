#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args.js';

/** The `pulseboard-bullmq` entry: parse flags and env, watch, stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2), process.env);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  // Loaded only to watch: --help then costs Node's start-up alone, not BullMQ's modules.
  const { watchBullMQ } = await import('./watch.js');
  const watch = watchBullMQ({
    ...args.options,
    // Redis or the server away is carried through (retried, reported degraded); said once per message.
    onError: (error) => process.stderr.write(`pulseboard-bullmq: ${error.message}\n`),
  });
  process.stdout.write(
    `pulseboard-bullmq: ${args.options.queues?.join(', ') ?? `queues under "${args.options.prefix ?? 'bull'}"`} -> ${args.options.serverUrl}\n`,
  );
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: deregistering\n`);
    process.once(signal, () => process.exit(1));
    watch.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
  process.exit(1);
});
