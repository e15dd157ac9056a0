// Case (b): a CommonJS worker requires the reporter, registers and heartbeats
// against the server at argv[2], and prints the worker as the server lists it.
const { createReporter } = require('@pulseboard/reporter');

async function main() {
  const url = process.argv[2];
  const reporter = createReporter({ url, worker: { id: 'cjs-1', queue: 'email' } });
  await reporter.start();
  reporter.update({ status: 'degraded' });
  await reporter.heartbeat();
  const { workers } = await (await fetch(`${url}/api/workers`)).json();
  await reporter.stop();
  process.stdout.write(JSON.stringify(workers.find((worker) => worker.id === 'cjs-1')));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
