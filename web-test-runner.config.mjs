// Browser tests: Debian's Chromium, TypeScript (and standard decorators) through
// esbuild, and real Pulseboard servers started in this process on demand.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { bullmqPlugin } from './demo/test/browser/bullmq-plugin.mjs';
import { pulseServerPlugin } from './packages/widgets/test/pulse-server-plugin.mjs';
import { chromiumArgs, chromiumPath } from './scripts/chromium.mjs';

export default {
  files: ['packages/widgets/src/**/*.test.ts', 'demo/test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  concurrency: 1,
  testsFinishTimeout: 300_000,
  testFramework: { config: { timeout: 20_000 } },
  plugins: [
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }),
    pulseServerPlugin(),
    bullmqPlugin(),
  ],
  browsers: [
    chromeLauncher({
      launchOptions: {
        executablePath: chromiumPath,
        headless: true,
        args: chromiumArgs,
      },
    }),
  ],
};
