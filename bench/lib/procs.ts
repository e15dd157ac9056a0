import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Forks TypeScript children (through tsx) and talks to them over IPC. Every
 * child is tracked so that the harness kills all of them on exit, on error and
 * on Ctrl-C: a benchmark must never leave load generators or servers behind on
 * a shared machine.
 */
const live = new Set<ChildProcess>();

function killAll(): void {
  for (const proc of live) {
    if (proc.pid !== undefined && proc.exitCode === null) proc.kill('SIGKILL');
  }
  live.clear();
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

/** Adds a process spawned outside `spawnChild` (a CLI under test) to the ones killed on exit. */
export function track(proc: ChildProcess): ChildProcess {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  return proc;
}

export interface Child {
  readonly pid: number;
  readonly ready: Promise<Record<string, unknown>>;
  call<T = unknown>(cmd: string, args?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  /** Asks the child to exit (so --cpu-prof can write its profile), then kills it if it does not. */
  stop(graceMs?: number): Promise<void>;
}

const benchDir = fileURLToPath(new URL('..', import.meta.url));

export function spawnChild(script: string, argv: string[] = [], nodeArgs: string[] = []): Child {
  const proc = fork(`${benchDir}${script}`, argv, {
    execArgv: ['--import', 'tsx', ...nodeArgs],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Children resolve workspace packages and tsx from the repository root.
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
  });
  live.add(proc);
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let exited = false;
  const exitedP = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = true;
      live.delete(proc);
      for (const p of pending.values()) p.reject(new Error(`${script} exited (${code ?? signal})`));
      pending.clear();
      resolve();
    }),
  );
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.on(
      'message',
      (msg: { type?: string; id?: number; ok?: boolean; result?: unknown; error?: string }) => {
        if (msg.type === 'ready') return resolve(msg as Record<string, unknown>);
        if (msg.type === 'failed') return reject(new Error(String(msg.error)));
        const p = msg.id === undefined ? undefined : pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id!);
        if (msg.ok) p.resolve(msg.result);
        else p.reject(new Error(`${script}: ${msg.error}`));
      },
    );
    void exitedP.then(() => reject(new Error(`${script} exited before it was ready`)));
  });
  ready.catch(() => {});

  return {
    pid: proc.pid ?? -1,
    ready,
    call<T>(cmd: string, args: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<T> {
      if (exited) return Promise.reject(new Error(`${script} is not running`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${script}: ${cmd} timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        proc.send({ id, cmd, args });
      });
    },
    async stop(graceMs = 10_000): Promise<void> {
      if (exited) return;
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      try {
        proc.send({ id: nextId++, cmd: 'exit', args: {} });
      } catch {
        proc.kill('SIGKILL');
      }
      await exitedP;
      clearTimeout(timer);
    },
  };
}

/** Stops every child given, in parallel, tolerating ones already gone. */
export async function stopAll(children: (Child | undefined)[]): Promise<void> {
  await Promise.all(children.map((c) => c?.stop().catch(() => {})));
}
