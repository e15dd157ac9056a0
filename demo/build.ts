/**
 * Builds what the demo and the distribution tests need, skipping each step
 * whose outputs are newer than its inputs (so `npm start` on an unchanged tree
 * starts at once, and a fresh clone builds everything):
 *
 *   packages          tsc -b → every package's dist/ (ESM + .d.ts + maps; widgets' decorators lowered);
 *                     tsc's own incremental build decides what is stale
 *   widgets:bundle    vite → dist/pulseboard.js + dist/pulseboard.iife.js (from tsc's output)
 *   widgets:manifest  custom-elements.json (always follows widgets:bundle, so `npm start` builds it too)
 *   demo:pages        vite multi-page build → demo/dist
 *   test:apps         the React and Vue apps the browser tests mount (only with --tests)
 *
 *   node --import tsx demo/build.ts [--all] [--tests] [--force]
 *   node --import tsx demo/build.ts --packages   only what the packages ship (their prepack)
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './root.js';
import { bundleSizes } from './test/bundle-sizes.js';

const at = (path: string) => join(root, path);

interface Step {
  name: string;
  inputs: string[];
  /** Touched after a successful run; the step is fresh while it is newer than every input. None: always run. */
  stamp?: string;
  run: () => Promise<void>;
}

/** The newest modification time under `path` (a file or a directory), skipping build outputs. */
function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let latest = stats.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

function fresh(step: Step): boolean {
  if (!step.stamp) return false;
  const stamp = at(step.stamp);
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return step.inputs.every((input) => newest(at(input)) < built);
}

function run(command: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}`)),
    );
  });
}

const bin = (name: string) => at(`node_modules/.bin/${name}`);

async function viteBuild(configFile: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: at(configFile), logLevel: 'warn' });
}

const shared = ['package-lock.json', 'tsconfig.base.json', 'packages/protocol/src'];
const widgetSources = [...shared, 'packages/widgets/src', 'packages/widgets/tsconfig.build.json'];

export const steps: Record<string, Step> = {
  types: {
    name: 'packages',
    inputs: [],
    run: () => run(bin('tsc'), ['-b', 'tsconfig.build.json'], root),
  },
  bundle: {
    name: 'widgets:bundle',
    inputs: [...widgetSources, 'packages/widgets/vite.config.ts'],
    stamp: 'packages/widgets/dist/.stamp-bundle',
    run: () => viteBuild('packages/widgets/vite.config.ts'),
  },
  manifest: {
    name: 'widgets:manifest',
    inputs: [...widgetSources, 'packages/widgets/custom-elements-manifest.config.mjs'],
    stamp: 'packages/widgets/dist/.stamp-manifest',
    run: () => run(bin('custom-elements-manifest'), ['analyze', '--quiet'], at('packages/widgets')),
  },
  demo: {
    name: 'demo:pages',
    inputs: [...widgetSources, 'packages/widgets/vite.config.ts', 'demo/pages', 'demo/vite.config.ts'],
    stamp: 'demo/dist/.stamp',
    run: () => viteBuild('demo/vite.config.ts'),
  },
  testApps: {
    name: 'test:apps',
    inputs: [...widgetSources, 'demo/pages/react', 'demo/pages/vue', 'demo/test/apps'],
    stamp: 'demo/test/apps/dist/.stamp',
    run: () => viteBuild('demo/test/apps/vite.config.ts'),
  },
};

/** Runs the steps in order, skipping fresh ones; returns the names of those that ran. */
export async function buildSteps(names: (keyof typeof steps)[], force = false): Promise<string[]> {
  const ran: string[] = [];
  // The package ships custom-elements.json beside the bundles, and the distribution tests read it:
  // whoever builds the bundle (`npm start` too) builds the manifest, a skipped step when fresh.
  const order = names.flatMap((name) =>
    name === 'bundle' && !names.includes('manifest') ? [name, 'manifest' as const] : [name],
  );
  for (const name of order) {
    const step = steps[name]!;
    if (!force && fresh(step)) continue;
    const started = performance.now();
    await step.run();
    if (!step.stamp) continue;
    mkdirSync(dirname(at(step.stamp)), { recursive: true });
    writeFileSync(at(step.stamp), '');
    process.stdout.write(`built ${step.name} in ${Math.round(performance.now() - started)} ms\n`);
    ran.push(step.name);
  }
  return ran;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = new Set(process.argv.slice(2));
  const names: (keyof typeof steps)[] = args.has('--packages')
    ? ['types', 'bundle', 'manifest']
    : ['types', 'bundle', 'manifest', 'demo'];
  if (args.has('--tests')) names.push('testApps');
  await buildSteps(names, args.has('--force'));
  for (const { file, bytes, gzip } of bundleSizes()) {
    process.stdout.write(`${file}: ${(bytes / 1024).toFixed(1)} KB, ${(gzip / 1024).toFixed(1)} KB gzip\n`);
  }
}
