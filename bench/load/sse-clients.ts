import net from 'node:net';
import { ready, serve } from '../lib/child.js';
import { scanLines } from '../lib/payload.js';
import { Hist, now, sleep } from '../lib/stats.js';

/**
 * A load process holding many SSE connections: raw sockets and a minimal
 * line parser (no EventSource object per connection), cheap enough
 * for thousands of connections per process. Each connection records receipt
 * latency of benchmark log lines and counts lost and repeated sequence
 * numbers; it resumes with `Last-Event-ID` as a browser would.
 */
interface Conn {
  sock: net.Socket | null;
  open: boolean;
  /** Dropped on purpose: its close is not counted as a failure. */
  closing: boolean;
  /** Reads of the message in progress, joined when it ends. */
  pending: string[];
  lastId: string | null;
  /** Highest benchmark sequence number seen; 0 until the first. */
  lastSeq: number;
  /** In a storm: waiting for the first line sent after the drop. */
  resumeAfter: number;
  /** The server's `retry:` advice (it may add per-connection jitter), honoured as EventSource does. */
  retryMs: number;
  attempts: number;
}

let target = { host: '127.0.0.1', port: 0, path: '/events' };
let conns: Conn[] = [];
let hist = new Hist();
let recording = false;
let counters = newCounters();
let storm: { dropAt: number; waiting: number; times: number[]; done(): void } | null = null;

function newCounters() {
  return {
    events: 0,
    deliveries: 0,
    bytes: 0,
    lost: 0,
    dup: 0,
    resync: 0,
    initialData: 0,
    unexpectedCloses: 0,
    reconnects: 0,
    connectErrors: 0,
  };
}

/**
 * One SSE message. Only `log` (and `initial_data`) data is read; for anything
 * else (a 75 KB `metrics_update` with 1,000 workers, say) just the id and
 * type lines are, so the client's cost does not grow with events it ignores.
 */
function dispatch(c: Conn, block: string): void {
  let id: string | null = null;
  let type = 'message';
  let dataAt = -1;
  for (let start = 0; start < block.length; ) {
    let end = block.indexOf('\n', start);
    if (end === -1) end = block.length;
    const colon = block.indexOf(':', start);
    if (colon > start && colon < end) {
      const field = block.slice(start, colon);
      const from = block.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1;
      if (field === 'data') dataAt = dataAt === -1 ? start : dataAt;
      else if (field === 'event') type = block.slice(from, end);
      else if (field === 'id') id = block.slice(from, end);
      else if (field === 'retry' && /^\d+$/.test(block.slice(from, end)))
        c.retryMs = Number(block.slice(from, end));
    }
    start = end + 1;
  }
  if (id !== null) c.lastId = id;
  if (dataAt === -1) return;
  counters.events++;
  if (type !== 'log' && type !== 'initial_data') return;
  const data = block
    .slice(dataAt)
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(line.charCodeAt(5) === 32 ? 6 : 5))
    .join('\n');
  if (type === 'initial_data') {
    counters.initialData++;
    if (data.includes('"resync":true')) counters.resync++;
    return;
  }
  const at = now();
  scanLines(data, (seq, sentAt) => {
    counters.deliveries++;
    if (recording) hist.add(at - sentAt);
    if (c.lastSeq > 0 && seq <= c.lastSeq) counters.dup++;
    else {
      if (c.lastSeq > 0 && seq > c.lastSeq + 1) counters.lost += seq - c.lastSeq - 1;
      c.lastSeq = seq;
    }
    if (storm && c.resumeAfter > 0 && sentAt > c.resumeAfter) {
      c.resumeAfter = 0;
      storm.times.push(at - storm.dropAt);
      if (--storm.waiting === 0) storm.done();
    }
  });
}

/**
 * Splits the stream into messages. A message that spans many reads (a large
 * event) is kept as a list of chunks and joined once when its end arrives:
 * appending to one string and searching it on every read is quadratic.
 */
function onData(c: Conn, chunk: string): void {
  counters.bytes += chunk.length;
  if (chunk.includes('\r')) chunk = chunk.replace(/\r\n?/g, '\n');
  const tail = c.pending.length ? c.pending[c.pending.length - 1]! : '';
  // A "\n\n" may straddle the previous read and this one.
  const straddles = tail.endsWith('\n') && chunk.startsWith('\n');
  let end = straddles ? 0 : chunk.indexOf('\n\n');
  if (end === -1) {
    c.pending.push(chunk);
    return;
  }
  const head = c.pending.join('') + chunk.slice(0, end);
  c.pending = [];
  dispatch(c, straddles ? head.slice(0, -1) : head);
  let start = end + 2 - (straddles ? 1 : 0);
  end = chunk.indexOf('\n\n', start);
  while (end !== -1) {
    dispatch(c, chunk.slice(start, end));
    start = end + 2;
    end = chunk.indexOf('\n\n', start);
  }
  if (start < chunk.length) c.pending.push(chunk.slice(start));
}

/**
 * Opens (or reopens, resuming from the last id) one connection over a raw
 * socket; resolves once the server answered 200. Raw because Node's HTTP
 * client costs ~35 µs per received chunk on this machine (~15 µs this way),
 * which at 10,000 clients would eat the cores the server under test needs. The stream is read
 * as latin1 (one char per byte) so chunk sizes match; all we parse is ASCII.
 */
/** Reads land in one shared buffer (`onread`), skipping the stream machinery: half the CPU per event. */
const readBuffer = Buffer.allocUnsafe(256 * 1024);

function open(c: Conn): Promise<boolean> {
  return new Promise((resolve) => {
    c.pending = [];
    c.attempts++;
    const sock = net.connect({
      host: target.host,
      port: target.port,
      onread: { buffer: readBuffer, callback: (n, buf) => onBytes((buf as Buffer).toString('latin1', 0, n)) },
    });
    c.sock = sock;
    let settled = false;
    const settle = (ok: boolean) => {
      if (!settled) {
        settled = true;
        resolve(ok);
      }
    };
    sock.setTimeout(20_000, () => sock.destroy(new Error('connect timeout')));
    sock.write(
      `GET ${target.path} HTTP/1.1\r\nhost: ${target.host}:${target.port}\r\naccept: text/event-stream\r\n` +
        (c.lastId ? `last-event-id: ${c.lastId}\r\n` : '') +
        '\r\n',
    );
    let head = '';
    /** Chunked transfer decoding state: bytes left in the current chunk, or -1 when a size line is next. */
    let chunked = false;
    let left = -1;
    let raw = '';
    const onBytes = (data: string): boolean => {
      if (!c.open) {
        head += data;
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return true;
        const status = Number(head.slice(9, 12));
        if (status !== 200) {
          counters.connectErrors++;
          sock.destroy();
          settle(false);
          return false;
        }
        sock.setTimeout(0);
        chunked = /\r\ntransfer-encoding: *chunked/i.test(head.slice(0, end));
        data = head.slice(end + 4);
        head = '';
        c.open = true;
        settle(true);
      }
      if (!chunked) {
        onData(c, data);
        return true;
      }
      raw += data;
      let body = '';
      for (;;) {
        if (left < 0) {
          const eol = raw.indexOf('\r\n');
          if (eol === -1) break;
          left = Number.parseInt(raw.slice(0, eol), 16);
          raw = raw.slice(eol + 2);
          if (left === 0) {
            sock.end();
            break;
          }
        }
        if (raw.length < left + 2) break;
        body += raw.slice(0, left);
        raw = raw.slice(left + 2);
        left = -1;
      }
      if (body) onData(c, body);
      return true;
    };
    sock.on('error', () => {
      if (!c.open && !c.closing) counters.connectErrors++;
      settle(false);
    });
    sock.on('close', () => {
      settle(false);
      onClose(c, sock);
    });
  });
}

function onClose(c: Conn, sock: net.Socket): void {
  if (c.sock !== sock) return;
  const wasOpen = c.open;
  c.open = false;
  // A failed attempt is retried by the loop that made it; only a live stream that ends is resumed here.
  if (c.closing || !wasOpen) return;
  counters.unexpectedCloses++;
  // The server cut us off (slow client, restart): resume like a browser, with jitter.
  void reconnect(c, c.retryMs || 200 + Math.random() * 500);
}

/** Reopens with bounded retries and jittered backoff, as EventSource would. */
async function reconnect(c: Conn, delayMs: number): Promise<boolean> {
  for (let attempt = 0; attempt < 8; attempt++) {
    if (delayMs > 0) await sleep(delayMs);
    if (c.closing) return false;
    if (await open(c)) {
      counters.reconnects++;
      return true;
    }
    delayMs = Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random());
  }
  return false;
}

async function openAll(list: Conn[], concurrency: number): Promise<number> {
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < list.length) {
      const c = list[next++]!;
      if (!(await open(c)) && !(await reconnect(c, 100))) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return failed;
}

function dropAll(): void {
  for (const c of conns) {
    c.closing = true;
    c.open = false;
    c.sock?.destroy();
  }
}

serve({
  /** Opens `count` connections to `url` + `path`. */
  connect: async (args) => {
    const url = new URL(String(args.url));
    target = { host: url.hostname, port: Number(url.port), path: String(args.path ?? '/events') };
    const count = Number(args.count);
    const fresh: Conn[] = Array.from({ length: count }, () => ({
      sock: null,
      open: false,
      closing: false,
      pending: [],
      lastId: null,
      lastSeq: 0,
      resumeAfter: 0,
      retryMs: 0,
      attempts: 0,
    }));
    conns.push(...fresh);
    const t0 = now();
    const failed = await openAll(fresh, Number(args.concurrency ?? 100));
    return { opened: count - failed, failed, ms: now() - t0 };
  },

  /** Starts or stops recording latency; resets every counter. */
  record: (args) => {
    recording = Boolean(args.on);
    hist = new Hist();
    counters = newCounters();
    return null;
  },

  stats: () => {
    const lastSeqs = conns.map((c) => c.lastSeq);
    return {
      ...counters,
      hist: hist.toSparse(),
      total: conns.length,
      open: conns.filter((c) => c.open).length,
      minLastSeq: lastSeqs.length ? Math.min(...lastSeqs) : 0,
    };
  },

  /** Resolves when every connection has seen sequence number `seq` (or at the timeout). */
  waitSeq: async (args) => {
    const seq = Number(args.seq);
    const deadline = now() + Number(args.timeoutMs ?? 30_000);
    const t0 = now();
    while (now() < deadline && conns.some((c) => c.lastSeq < seq)) await sleep(5);
    return { reached: conns.filter((c) => c.lastSeq >= seq).length, ms: now() - t0 };
  },

  /**
   * The reconnect storm: drop every connection at once; each reopens with its
   * Last-Event-ID after the server's `retry:` delay, as a browser would. Resolves with each connection's time from
   * the drop until it received a line sent after the drop (caught up).
   */
  storm: async (args) => {
    const timeoutMs = Number(args.timeoutMs ?? 20_000);
    dropAll();
    const dropAt = now();
    const times: number[] = [];
    const finished = new Promise<void>((done) => {
      storm = { dropAt, waiting: conns.length, times, done };
      if (conns.length === 0) done();
    });
    for (const c of conns) {
      c.closing = false;
      c.resumeAfter = dropAt;
      void reconnect(c, c.retryMs);
    }
    await Promise.race([finished, sleep(timeoutMs)]);
    storm = null;
    for (const c of conns) c.resumeAfter = 0;
    return { times, resumed: times.length, total: conns.length };
  },

  closeAll: () => {
    dropAll();
    conns = [];
    return null;
  },

  exit: () => dropAll(),
});
ready({ pid: process.pid });
