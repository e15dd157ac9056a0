// The prepack of protocol, reporter and server, run in the package's folder: its
// compiled output from scratch. tsc -b leaves behind the output of a source file
// that was moved or deleted, and npm pack would ship it.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
// cjs/package.json is a source (it marks the folder's .js files CommonJS); the rest is output.
for (const entry of existsSync('cjs') ? readdirSync('cjs') : []) {
  if (entry !== 'package.json') rmSync(`cjs/${entry}`, { recursive: true, force: true });
}
const configs = ['tsconfig.build.json', 'tsconfig.cjs.json'].filter((config) => existsSync(config));
execFileSync('tsc', ['-b', ...configs], { stdio: 'inherit' });
