import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { METRICS_FIELDS, QUEUE_STATS_FIELDS } from '@pulseboard/protocol';
import { HistoryRecorder } from '../../packages/server/src/history/recorder.js';
import { createApp } from '../../packages/server/src/index.js';
import { createMemoryEventLog } from '../../packages/server/src/store/memory.js';
import { MemoryHistoryStore } from '../../packages/server/src/store/memory-history.js';
import { ready, serve } from '../lib/child.js';
import { KeepAliveConn } from '../lib/http.js';
import { heartbeatBody, registerBody } from '../lib/payload.js';

/**
 * History's costs, measured with a fake clock so a day of buckets takes
 * seconds (run with --expose-gc):
 *
 *   memory:      N workers' series filled for 24 h (a sample a minute for 23 h,
 *                every 10 s for the last hour, so every bucket of both rings is
 *                written), through the real recorder and in-memory store;
 *                bytes per worker from the heap and array buffers after GC.
 *   initialData: a real server (in memory) with N workers heartbeating every 10 s
 *                (fake) for the initial window, then the bytes of the
 *                `initial_data` a new dashboard gets, and of its `history`.
 */

const T0 = 1_800_000_000_000;
const STEP = 10_000;
const gc = (globalThis as { gc?: () => void }).gc;

function heapBytes(): number {
  gc?.();
  gc?.();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

async function memory({ workers }: Record<string, unknown>): Promise<{ bytesPerWorker: number }> {
  if (!gc) throw new Error('run with --expose-gc');
  const n = Number(workers);
  let time = T0;
  const now = () => time;
  // A replay window of one: the log keeps nothing that would count as history.
  const eventLog = createMemoryEventLog({ capacity: 1 });
  const store = new MemoryHistoryStore();
  const before = heapBytes();
  const recorder = new HistoryRecorder({ eventLog, store, now, onError: (err) => console.error(err) });
  const fields = { metrics: METRICS_FIELDS, queueStats: QUEUE_STATS_FIELDS };
  const ids = Array.from({ length: n }, (_, i) => `w-${String(i).padStart(5, '0')}`);
  // Values that move from sample to sample, as heartbeatBody's do, without parsing JSON a million times.
  const values = (n: number, width: number) => Array.from({ length: width }, (_, f) => (n * (7 + f)) % 1000);
  const sample = async (k: number) => {
    const items = ids.map(
      (id, i) =>
        [id, time, values(k + i, METRICS_FIELDS.length), values(k + i + 1, QUEUE_STATS_FIELDS.length)] as [
          string,
          number,
          number[],
          number[],
        ],
    );
    await eventLog.append({ type: 'metrics_update', data: { v: 1, at: time, fields, items } });
  };
  const day = 24 * 3_600_000;
  let k = 0;
  for (; time < T0 + day - 3_600_000; time += 60_000) await sample(k++);
  for (; time <= T0 + day; time += STEP) await sample(k++);
  await recorder.tick();
  const after = heapBytes();
  recorder.close();
  return { bytesPerWorker: (after - before) / n };
}

/** A `metrics_update` stream; `expect(text)` resolves when `text` arrives after the call. */
function streamWatcher(url: string) {
  let tail = '';
  let target: { text: string; resolve: () => void } | null = null;
  const req = request(`${url}/events?types=metrics_update`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      if (!target) return;
      const text = tail + chunk;
      if (text.includes(target.text)) {
        target.resolve();
        target = null;
      }
      // Enough to find the text across two chunks.
      tail = text.slice(-64);
    });
  });
  req.end();
  return {
    expect(text: string): Promise<void> {
      tail = '';
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${text} on the stream`)), 60_000);
        target = {
          text,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
      });
    },
    close: () => req.destroy(),
  };
}

/** The first `data:` line of a new stream: its `initial_data`. */
function firstEvent(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/events`, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        const start = text.indexOf('\ndata: ');
        const end = start === -1 ? -1 : text.indexOf('\n', start + 7);
        if (end === -1) return;
        req.destroy();
        resolve(text.slice(start + 7, end));
      });
    });
    req.on('error', reject);
    req.end();
  });
}

async function initialData({ workers, windowMs }: Record<string, unknown>) {
  const n = Number(workers);
  let time = T0 + 1000;
  const server = await createApp(
    { logLevel: 'silent', maxWorkers: n, metricsIntervalMs: 20, dashboardIntervalMs: 60_000 },
    undefined,
    { now: () => time },
  );
  const { url, port } = await server.listen({ port: 0, host: '127.0.0.1' });
  const conn = new KeepAliveConn('127.0.0.1', port);
  try {
    const ids = Array.from({ length: n }, (_, i) => `w-${String(i).padStart(5, '0')}`);
    await Promise.all(ids.map((id, i) => conn.request('POST', '/api/workers', registerBody(id, i))));
    const watch = streamWatcher(url);
    const last = ids.at(-1) as string;
    // Every bucket of the window, and the one after it, so the window is all closed buckets.
    for (let round = 0; round <= Number(windowMs) / STEP; round++) {
      time = T0 + 1000 + round * STEP;
      const seen = watch.expect(`["${last}",`);
      for (let i = 0; i < n; i += 1000) {
        const heartbeats = ids
          .slice(i, i + 1000)
          .map((id, j) => ({ id, ...JSON.parse(heartbeatBody(round * 31 + i + j)) }));
        const reply = await conn.request('POST', '/api/heartbeats', JSON.stringify({ heartbeats }));
        if (reply.status !== 200) throw new Error(`heartbeats: ${reply.status} ${reply.body.slice(0, 200)}`);
      }
      // The bucket is the clock's when the row arrives: the clock moves only after the last row went out.
      await seen;
    }
    watch.close();
    time += STEP;
    const data = await firstEvent(url);
    const payload = JSON.parse(data) as { history: unknown; workers: unknown[] };
    return {
      bytes: Buffer.byteLength(data),
      gzipBytes: gzipSync(data).length,
      historyBytes: Buffer.byteLength(JSON.stringify(payload.history)),
      rows: (payload.history as { workers: unknown[] }).workers.length,
    };
  } finally {
    conn.close();
    await server.close();
  }
}

serve({ memory, initialData });
ready();
