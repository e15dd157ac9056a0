import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Child, spawnChild } from './procs.js';

/** `pulseboard` is the compiled server (packages/server/dist); `pulseboard-tsx` the same sources run through tsx. */
export type ServerKind = 'pulseboard' | 'pulseboard-tsx' | 'bare-sse' | 'better-sse' | 'bare-json';

export interface Server {
  kind: ServerKind;
  url: string;
  child: Child;
  stats(): Promise<ServerStats>;
}

export interface ServerStats {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  cpuShare: number;
}

export interface TargetOptions {
  /** Write a V8 CPU profile of the Pulseboard server process into this directory. */
  profileDir?: string;
  pulseboardConfig?: Record<string, unknown>;
}

const serverEntry = fileURLToPath(new URL('../../packages/server/dist/index.js', import.meta.url));

/** The `pulseboard-server` CLI two ways: as installed (compiled), and from its sources through tsx (as before issue 13). */
export const CLI_VARIANTS = [
  { name: 'compiled', args: [fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url))] },
  {
    name: 'tsx from src',
    args: ['--import', 'tsx', fileURLToPath(new URL('../../packages/server/src/cli.ts', import.meta.url))],
  },
] as const;

/** Null when the server package is there; otherwise why Pulseboard rows are skipped. */
export function pulseboardMissing(): string | null {
  return existsSync(serverEntry) ? null : 'server not built yet (packages/server/dist/index.js missing)';
}

export async function startServer(kind: ServerKind, opts: TargetOptions = {}): Promise<Server> {
  const nodeArgs = ['--expose-gc'];
  if (kind.startsWith('pulseboard') && opts.profileDir)
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`);
  const child = spawnChild(
    'targets/server.ts',
    [kind, JSON.stringify(opts.pulseboardConfig ?? {})],
    nodeArgs,
  );
  const info = await child.ready;
  return { kind, url: String(info.url), child, stats: () => child.call<ServerStats>('stats') };
}
