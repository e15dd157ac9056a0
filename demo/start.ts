/**
 * `npm start`: builds what is stale (`npm run build`: the packages, the
 * script-tag bundles, the demo pages; wireit skips what is fresh), then runs
 * the Pulseboard server with a simulated fleet and the demo pages on one port.
 *
 *   npm start                         # 12 simulated workers on http://localhost:8090/
 *   npm start -- --simulate 1000      # the Scale demo
 *   npm start -- --simulate 0 --port 9000
 *
 * Every `pulseboard-server` flag and environment variable works here too
 * (PORT, HOST, LOG_LEVEL, tokens, --redis, ...).
 */
import { join } from 'node:path';
import { npmRun } from './npm-run.js';
import { root } from './root.js';

const demoUsage = (
  maxSimulated: number,
) => `Usage: npm start -- [--simulate <workers>] [--no-build] [server options]

  --simulate <n>   simulated workers (default 12, 0 for none, at most ${maxSimulated})
  --no-build       serve what is built, even if sources changed

Server options (pulseboard-server):
`;

/** Takes the demo's own flags out of argv; the rest goes to the server's parser. */
function takeDemoFlags(argv: string[], maxSimulated: number): { simulate: number; rest: string[] } {
  const rest: string[] = [];
  let simulate = 12;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--no-build') continue;
    else if (arg === '--simulate' || arg.startsWith('--simulate=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      simulate = Number(value);
      if (!Number.isInteger(simulate) || simulate < 0 || simulate > maxSimulated) {
        throw new Error(`--simulate expects a whole number from 0 to ${maxSimulated}, got "${value}"`);
      }
    } else rest.push(arg);
  }
  return { simulate, rest };
}

/**
 * How to run operator actions from the demo page. Without tokens the server lets loopback callers
 * operate (so the page shows the controls as it is); with operate tokens the page takes one from its
 * URL's fragment (which no request carries), so the first is printed as a link.
 */
function operatorNote(
  page: string,
  config: { readTokens?: string[]; operateTokens?: string[] },
  parseOperateToken: (entry: string, index: number) => { secret: string },
): string {
  const [first] = config.operateTokens ?? [];
  if (first) return `Operator actions: ${page}#token=${parseOperateToken(first, 0).secret}`;
  if (config.readTokens?.length) return 'Operator actions: off (read tokens but no --operate-token)';
  return 'Operator actions: on for this page (no tokens: the server lets localhost operate)';
}

async function main(): Promise<void> {
  // The server runs compiled, like an installed one: build it (and the pages) before loading it.
  if (!process.argv.includes('--no-build')) await npmRun('build');
  const { parseCliArgs, parseOperateToken, USAGE } = await import('@pulseboard/server');
  const { MAX_SIMULATED, startDemo } = await import('./demo-app.js');
  const { simulate, rest } = takeDemoFlags(process.argv.slice(2), MAX_SIMULATED);
  const args = parseCliArgs(rest, process.env);
  if (args.help) {
    process.stdout.write(demoUsage(MAX_SIMULATED) + USAGE.replace(/^Usage:.*\n\n/, ''));
    return;
  }
  const errors = new Set<string>();
  const demo = await startDemo({
    config: {
      // Quieter than the server's default: the demo prints its own lines.
      logLevel: 'warn',
      // A crashed worker is removed after a minute instead of five, so the demo shows it.
      expireAfterMs: 60_000,
      ...args.config,
    },
    simulate,
    pagesDir: join(root, 'demo/dist'),
    onError: (error) => {
      // Report each distinct simulator problem once (a down server would repeat it per worker).
      if (errors.has(error.message)) return;
      errors.add(error.message);
      process.stderr.write(`simulator: ${error.message}\n`);
    },
  });
  const host = new URL(demo.url).hostname;
  const page = host === '127.0.0.1' ? `http://localhost:${demo.port}/` : `${demo.url}/`;
  process.stdout.write(
    `Pulseboard demo on ${page}  (${simulate} simulated workers; server ${demo.url}, events ${demo.url}/events)\n`,
  );
  process.stdout.write(`${operatorNote(page, args.config, parseOperateToken)}\n`);

  const shutdown = (signal: string) => {
    process.stdout.write(`${signal}: shutting down\n`);
    // A second signal while closing means "now".
    process.once(signal, () => process.exit(1));
    demo.close().then(
      () => {
        process.stdout.write('Pulseboard demo stopped cleanly\n');
        process.exit(0);
      },
      (error: unknown) => {
        process.stderr.write(`shutdown failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
