import { ready, serve } from '../lib/child.js';
import { KeepAliveConn } from '../lib/http.js';
import { heartbeatBody, registerBody } from '../lib/payload.js';
import { Hist, now, sleep } from '../lib/stats.js';

/**
 * Simulated workers in a load process: each worker id has its own keep-alive
 * connection, as a real reporter would. Registers, heartbeats flat out
 * (ingest), heartbeats on an interval (steady state), and sends log batches.
 */
let target = { host: '127.0.0.1', port: 0 };
let conns = new Map<string, KeepAliveConn>();
/** Set by `stopSteady`: the steady loops end at their next beat (for a fleet that beats while something else is measured). */
let steadyStopped = false;

function connFor(id: string): KeepAliveConn {
  let c = conns.get(id);
  if (!c) {
    c = new KeepAliveConn(target.host, target.port);
    conns.set(id, c);
  }
  return c;
}

function closeAll(): void {
  for (const c of conns.values()) c.close();
  conns = new Map();
}

async function heartbeat(id: string, n: number, statuses: Record<number, number>, status?: string) {
  let code = 0;
  try {
    code = (await connFor(id).request('POST', `/api/workers/${id}/heartbeat`, heartbeatBody(n, status)))
      .status;
  } catch {
    conns.delete(id);
  }
  statuses[code] = (statuses[code] ?? 0) + 1;
  return code;
}

/** One `POST /api/heartbeats` body: the workers of `group`, the i-th with heartbeat figures `n + i`. */
const batchBody = (group: readonly string[], n: number) =>
  `{"heartbeats":[${group.map((id, i) => `{"id":"${id}",${heartbeatBody(n + i).slice(1)}`).join(',')}]}`;

serve({
  target: (args) => {
    closeAll();
    const url = new URL(String(args.url));
    target = { host: url.hostname, port: Number(url.port) };
    return null;
  },

  register: async (args) => {
    const ids = args.ids as string[];
    const offset = Number(args.offset ?? 0);
    let failed = 0;
    let next = 0;
    const lane = async () => {
      while (next < ids.length) {
        const i = next++;
        const id = ids[i]!;
        try {
          const r = await connFor(id).request('POST', '/api/workers', registerBody(id, offset + i));
          if (r.status >= 300) failed++;
          // A first heartbeat gives every worker metrics and queue stats to show.
          if ((await heartbeat(id, offset + i, {})) >= 300) failed++;
        } catch {
          failed++;
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, lane));
    return { registered: ids.length - failed, failed };
  },

  /** Every worker heartbeats back to back; counts completions inside the measured window only. */
  flatOut: async (args) => {
    const ids = args.ids as string[];
    const warmupMs = Number(args.warmupMs);
    const durationMs = Number(args.durationMs);
    const statuses: Record<number, number> = {};
    const hist = new Hist();
    const start = now();
    const from = start + warmupMs;
    const until = from + durationMs;
    let count = 0;
    await Promise.all(
      ids.map(async (id, i) => {
        let n = i;
        while (now() < until) {
          const t = now();
          const code = await heartbeat(id, n++, statuses);
          const done = now();
          if (code === 0) await sleep(50);
          else if (t >= from && done <= until) {
            count++;
            hist.add(done - t);
          }
        }
      }),
    );
    return { count, perSec: count / (durationMs / 1000), statuses, hist: hist.toSparse() };
  },

  /**
   * Batch ingest: the workers in groups of `batch`, each group one `POST /api/heartbeats` after
   * another on a keep-alive connection of its own (a fleet reporter per group); counts the items
   * answered `ok` inside the measured window.
   */
  flatOutBatch: async (args) => {
    const ids = args.ids as string[];
    const batch = Number(args.batch);
    const warmupMs = Number(args.warmupMs);
    const durationMs = Number(args.durationMs);
    const statuses: Record<number, number> = {};
    const start = now();
    const from = start + warmupMs;
    const until = from + durationMs;
    let items = 0;
    let requests = 0;
    const groups = Array.from({ length: Math.ceil(ids.length / batch) }, (_, g) =>
      ids.slice(g * batch, (g + 1) * batch),
    );
    await Promise.all(
      groups.map(async (group, g) => {
        const conn = new KeepAliveConn(target.host, target.port);
        let n = g;
        try {
          while (now() < until) {
            const body = batchBody(group, n);
            n += group.length;
            const t = now();
            const r = await conn.request('POST', '/api/heartbeats', body);
            statuses[r.status] = (statuses[r.status] ?? 0) + 1;
            if (t >= from && now() <= until) {
              requests++;
              items += r.body.split('"ok":true').length - 1;
            }
            if (r.status >= 400) await sleep(50);
          }
        } finally {
          conn.close();
        }
      }),
    );
    return { items, requests, perSec: items / (durationMs / 1000), statuses };
  },

  /**
   * Every worker heartbeats once per interval, phases spread evenly, as a live fleet does: each on its own
   * connection, or with `batch`, in groups of that many, each group one `POST /api/heartbeats` per interval
   * on a connection of its own (a fleet reporter per host): how thousands of workers on few hosts report,
   * and what keeps 10,000 of them inside `staleAfterMs` beside the server and the browser on this machine.
   */
  steady: async (args) => {
    const ids = args.ids as string[];
    const intervalMs = Number(args.intervalMs);
    const durationMs = Number(args.durationMs);
    const batch = Number(args.batch ?? 0);
    const statuses: Record<number, number> = {};
    const t0 = now();
    steadyStopped = false;
    const groups = batch
      ? Array.from({ length: Math.ceil(ids.length / batch) }, (_, g) => ids.slice(g * batch, (g + 1) * batch))
      : ids.map((id) => [id]);
    await Promise.all(
      groups.map(async (group, i) => {
        const conn = batch ? new KeepAliveConn(target.host, target.port) : undefined;
        try {
          for (let k = 0; ; k++) {
            const due = t0 + (i / groups.length) * intervalMs + k * intervalMs;
            if (due - t0 >= durationMs || steadyStopped) return;
            const wait = due - now();
            if (wait > 0) await sleep(wait);
            if (!conn) await heartbeat(group[0]!, i + k, statuses);
            else {
              const r = await conn
                .request('POST', '/api/heartbeats', batchBody(group, i * batch + k))
                .catch(() => null);
              statuses[r?.status ?? 0] = (statuses[r?.status ?? 0] ?? 0) + 1;
            }
          }
        } finally {
          conn?.close();
        }
      }),
    );
    return { statuses };
  },

  stopSteady: () => {
    steadyStopped = true;
    return null;
  },

  /** Any request on a worker's connection; resolves with the send time (for end-to-end latency). */
  send: async (args) => {
    const sentAt = now();
    const r = await connFor(String(args.id)).request(
      String(args.method),
      String(args.path),
      String(args.body),
    );
    return { sentAt, status: r.status };
  },

  /** One heartbeat with a given status; resolves with the send time (for end-to-end latency). */
  beat: async (args) => {
    const sentAt = now();
    const code = await heartbeat(String(args.id), Number(args.n ?? 0), {}, String(args.status));
    return { sentAt, status: code };
  },

  /** Log lines from one worker: `total` lines in batches of `batch`, paced at `perSec` lines/s (0: flat out). */
  logs: async (args) => {
    const id = String(args.id);
    const total = Number(args.total);
    const batch = Number(args.batch);
    const perSec = Number(args.perSec ?? 0);
    const t0 = now();
    let sent = 0;
    let failed = 0;
    while (sent < total) {
      if (perSec > 0) {
        const wait = t0 + (sent / perSec) * 1000 - now();
        if (wait > 0) await sleep(wait);
      }
      const n = Math.min(batch, total - sent);
      const entries = Array.from({ length: n }, (_, j) => ({
        level: j % 17 === 0 ? 'warn' : 'info',
        message: `line ${sent + j} processed order ${(sent + j) * 7919} in ${(sent + j) % 97} ms`,
      }));
      const r = await connFor(id).request('POST', `/api/workers/${id}/logs`, JSON.stringify({ entries }));
      if (r.status >= 300) failed++;
      sent += n;
    }
    return { sent, failed, ms: now() - t0 };
  },

  close: () => closeAll(),
  exit: () => closeAll(),
});
ready({ pid: process.pid });
