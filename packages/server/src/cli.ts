#!/usr/bin/env node
import { parseCliArgs, USAGE } from './cli-args.js';

/** The `pulseboard-server` entry: parse flags and env, start, stop cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const args = parseCliArgs(process.argv.slice(2), process.env);
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  // Loaded only to serve: --help then costs Node's start-up alone, not Koa's, Redis's and zod's modules.
  const { createApp } = await import('./app.js');
  const server = await createApp(args.config);
  const { url } = await server.listen();
  process.stdout.write(`Pulseboard server on ${url} (events: ${url}/events)\n`);
  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: shutting down\n`);
    // A second signal while closing means "now".
    process.once(signal, () => process.exit(1));
    server.close().then(
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
