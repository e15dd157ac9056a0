/**
 * What the load generators send. A benchmark log line carries its sequence
 * number and the driver's send time in its text, so every SSE client can
 * measure end-to-end latency and count lost or repeated events from the real
 * `log` events the server emits, whatever the envelope around them.
 */
export const DRIVER_ID = 'bench-driver';

/** Pads the message so a `log` event's data line is about 500 bytes. */
const MESSAGE_BYTES = 400;

export function logLine(seq: number, sentAt: number): string {
  const head = `bench seq=${seq} t=${sentAt.toFixed(3)} `;
  return head + 'x'.repeat(Math.max(0, MESSAGE_BYTES - head.length));
}

export function logsBody(seq: number, sentAt: number): string {
  return JSON.stringify({ entries: [{ level: 'info', message: logLine(seq, sentAt) }] });
}

/** Calls `fn(seq, sentAt)` for every benchmark line in an event's data. */
export function scanLines(data: string, fn: (seq: number, sentAt: number) => void): void {
  let p = data.indexOf('bench seq=');
  while (p !== -1) {
    const s = p + 10;
    const sEnd = data.indexOf(' ', s);
    const t = sEnd + 3;
    const tEnd = data.indexOf(' ', t);
    fn(Number(data.slice(s, sEnd)), Number(data.slice(t, tEnd)));
    p = data.indexOf('bench seq=', tEnd);
  }
}

/** A realistic heartbeat (~300 bytes) whose numbers move, so the server sees real changes. */
export function heartbeatBody(n: number, status = 'healthy'): string {
  return JSON.stringify({
    status,
    metrics: {
      cpu: (n * 7) % 100,
      memoryBytes: 200_000_000 + ((n * 7919) % 50_000_000),
      requestsPerSec: (n * 13) % 500,
      responseTimeMs: 5 + ((n * 3) % 200),
      errorCount: n % 50,
      uptimeSec: 1000 + n,
    },
    queueStats: {
      depth: (n * 11) % 1000,
      inFlight: n % 16,
      processed: 100_000 + n,
      failed: n % 100,
      deadLetter: n % 20,
      ratePerSec: (n * 17) % 300,
    },
  });
}

export function registerBody(id: string, i: number): string {
  return JSON.stringify({
    id,
    name: `Worker ${i}`,
    queue: `queue-${i % 20}`,
    status: 'healthy',
    labels: { host: `host-${i % 50}`, region: i % 2 ? 'eu-west' : 'us-east' },
  });
}
