import { ready, serve } from '../lib/child.js';
import { KeepAliveConn } from '../lib/http.js';
import { DRIVER_ID, logsBody, registerBody } from '../lib/payload.js';
import { now, sleep } from '../lib/stats.js';

/**
 * The event source for fan-out and the storm, in its own process. It posts
 * log batches as the benchmark worker through the target's real worker API,
 * so every event the clients receive is a real `log` event; on Pulseboard it
 * registers first. It does not heartbeat: each heartbeat would add Pulseboard
 * events to every client that the baselines never send, and the comparison
 * is about fanning out the same stream.
 */
/** Log lines go out pipelined on one connection, so the server sees them in sequence order. */
let lines: KeepAliveConn | null = null;
let seq = 0;
let errors = 0;
/** Set by `stop` to end a running `rate` early. */
let stopped = false;

async function post(conn: KeepAliveConn, path: string, body: string): Promise<number> {
  try {
    const r = await conn.request('POST', path, body);
    if (r.status >= 300) errors++;
    return r.status;
  } catch {
    errors++;
    return 0;
  }
}

function closeAll(): void {
  lines?.close();
  lines = null;
}

const publishOne = () => post(lines!, `/api/workers/${DRIVER_ID}/logs`, logsBody(++seq, now()));

serve({
  setup: async (args) => {
    const url = new URL(String(args.url));
    closeAll();
    lines = new KeepAliveConn(url.hostname, Number(url.port));
    seq = 0;
    errors = 0;
    if (args.register) {
      const status = await post(lines, '/api/workers', registerBody(DRIVER_ID, 0));
      if (status >= 300) throw new Error(`registering ${DRIVER_ID} answered ${status}`);
    }
    return null;
  },

  /** Open loop at a fixed rate (no coordinated omission): line k is due at t0 + k/rate. */
  rate: async (args) => {
    const perSec = Number(args.perSec);
    const durationMs = Number(args.durationMs);
    stopped = false;
    const t0 = now();
    const inflight = new Set<Promise<number>>();
    let k = 0;
    while (!stopped && now() - t0 < durationMs) {
      const due = t0 + (k * 1000) / perSec;
      const wait = due - now();
      if (wait > 0) await sleep(wait);
      // Bounded: a target that stops answering must not make this process pile up requests.
      if (inflight.size >= 64) await Promise.race(inflight);
      const p = publishOne();
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      k++;
    }
    await Promise.all(inflight);
    return { sent: k, lastSeq: seq, errors };
  },

  /** Closed loop: `count` lines back to back, one request in flight. */
  burst: async (args) => {
    const count = Number(args.count);
    const firstSeq = seq + 1;
    for (let i = 0; i < count; i++) await publishOne();
    return { firstSeq, lastSeq: seq, errors };
  },

  stop: () => {
    stopped = true;
    return null;
  },

  teardown: () => closeAll(),
  exit: () => closeAll(),
});
ready({ pid: process.pid });
