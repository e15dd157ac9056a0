import { spawn } from 'node:child_process';
import { root } from './root.js';

/**
 * `npm run <script> <args>` in the repository root, on this terminal; resolves
 * when it succeeds. The build scripts are wireit's: each step runs only when
 * its inputs changed, so an up-to-date tree costs npm's start-up and a hash of
 * the sources (about a second).
 */
export function npmRun(script: string, ...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', script, '--silent', ...args], { cwd: root, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`npm run ${script} failed (${signal ?? `exit code ${code}`})`)),
    );
  });
}
