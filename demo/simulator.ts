/**
 * A fleet of simulated workers that talk to a Pulseboard server exactly as
 * real worker processes do: over HTTP, through the reporter SDK. It plays out
 * what an operations dashboard exists for: load that drifts, workers that
 * degrade and recover, one that crashes (stops heartbeating, goes offline,
 * expires and is replaced), one that restarts, dead letters that pile up and
 * are redriven, shared resources whose health changes, and log lines. The
 * first `ACTION_WORKERS` workers declare operator actions and perform them
 * (see `declareActions`): pausing a queue stops it draining, retrying dead
 * letters moves them back to the queue, restarting or draining a worker does
 * what it says.
 *
 * Built to stay smooth at 1,000 workers in one process: no timer per worker
 * beyond the SDK's own heartbeat (starts are spread over an interval so those
 * never line up), one scenario timer for the whole fleet, metrics computed
 * lazily when a heartbeat asks for them, and one keep-alive HTTP agent with
 * a bounded pool of sockets shared by every reporter.
 */
import { Agent, request } from 'node:http';
import type {
  DeadLetterInput,
  HeartbeatBody,
  QueueStats,
  ResourceReport,
  WorkerMetrics,
} from '@pulseboard/protocol';
import { createReporter, type Reporter, type ReporterAction } from '@pulseboard/reporter';
import { failedJob } from './failures.js';

/**
 * Workers (the first ones started) that declare actions. Each holds an action stream to the server,
 * so the Scale demo's thousand workers do not also hold a thousand streams.
 */
export const ACTION_WORKERS = 100;

export interface SimulatorOptions {
  /** The server's base URL. */
  url: string;
  workers: number;
  token?: string;
  /** How long the server keeps an offline worker (its `expireAfterMs`): when to replace a crashed one. */
  expireAfterMs: number;
  /** Heartbeat period of every simulated worker; default: 2 s for up to 100 workers, else the server's. */
  heartbeatIntervalMs?: number;
  onError?: (error: Error) => void;
}

export interface Simulator {
  readonly size: number;
  start(): Promise<void>;
  /** Adds or removes workers (removed ones deregister, as a scaled-down deployment would). */
  resize(workers: number): Promise<void>;
  /** Deregisters every worker and stops the scenario. */
  stop(): Promise<void>;
}

interface Kind {
  prefix: string;
  name: string;
  queue: string | null;
  /** Typical response time (ms), requests/s, CPU %, memory (MiB). */
  rt: number;
  rps: number;
  cpu: number;
  memMiB: number;
  /** What this kind of worker logs while doing its job. */
  work: (n: number) => string;
}

/**
 * The little of `fetch` the reporter uses, over node:http with a keep-alive
 * agent: a thousand reporters share a few dozen sockets instead of opening
 * connections, and skip undici's per-request overhead.
 */
function keepAliveFetch(agent: Agent): typeof fetch {
  return (input, init) =>
    new Promise<Response>((resolve, reject) => {
      const req = request(
        String(input),
        { agent, method: init?.method ?? 'GET', headers: init?.headers as Record<string, string> },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 500;
            const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, statusText: res.statusMessage ?? '' }));
          });
        },
      );
      req.on('error', reject);
      req.end(init?.body as string | undefined);
    });
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const between = (low: number, high: number) => low + Math.random() * (high - low);
const hex = (length: number) =>
  Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');

const KINDS: Kind[] = [
  {
    prefix: 'api-gateway',
    name: 'API gateway',
    queue: null,
    rt: 42,
    rps: 260,
    cpu: 34,
    memMiB: 420,
    work: () =>
      `${pick(['GET', 'GET', 'POST', 'PATCH'])} ${pick(['/v1/orders', '/v1/users/me', '/v1/invoices', '/v1/search'])} ${pick([200, 200, 201, 204, 304])} ${Math.round(between(8, 90))}ms`,
  },
  {
    prefix: 'email-sender',
    name: 'Email sender',
    queue: 'email',
    rt: 120,
    rps: 45,
    cpu: 18,
    memMiB: 210,
    work: (n) =>
      `Sent ${pick(['welcome', 'password-reset', 'invoice', 'weekly-digest'])} email (msg ${hex(8)}) via SMTP in ${n} ms`,
  },
  {
    prefix: 'image-resizer',
    name: 'Image resizer',
    queue: 'images',
    rt: 380,
    rps: 12,
    cpu: 68,
    memMiB: 960,
    work: (n) =>
      `Resized upload ${hex(12)}.jpg to ${pick(['3', '4', '5'])} variants (${pick(['1.2', '2.8', '4.1'])} MB) in ${n} ms`,
  },
  {
    prefix: 'billing-sync',
    name: 'Billing sync',
    queue: 'billing',
    rt: 310,
    rps: 7,
    cpu: 28,
    memMiB: 340,
    work: (n) => `Synced invoice INV-${Math.floor(between(10000, 99999))} to ledger in ${n} ms`,
  },
  {
    prefix: 'search-indexer',
    name: 'Search indexer',
    queue: 'search-index',
    rt: 65,
    rps: 140,
    cpu: 52,
    memMiB: 1500,
    work: (n) => `Indexed batch of ${Math.floor(between(50, 500))} documents into products-v7 in ${n} ms`,
  },
  {
    prefix: 'webhook-dispatcher',
    name: 'Webhook dispatcher',
    queue: 'webhooks',
    rt: 230,
    rps: 28,
    cpu: 24,
    memMiB: 300,
    work: (n) =>
      `Delivered ${pick(['order.created', 'invoice.paid', 'user.updated'])} to https://hooks.${pick(['acme', 'globex', 'initech'])}.example/pulse (${pick([200, 202, 204])}) in ${n} ms`,
  },
  {
    prefix: 'report-builder',
    name: 'Report builder',
    queue: 'reports',
    rt: 900,
    rps: 2,
    cpu: 44,
    memMiB: 780,
    work: (n) =>
      `Built ${pick(['monthly revenue', 'churn', 'inventory'])} report (${pick(['CSV', 'PDF'])}) in ${n} ms`,
  },
  {
    prefix: 'push-notifier',
    name: 'Push notifications',
    queue: 'push',
    rt: 28,
    rps: 210,
    cpu: 21,
    memMiB: 180,
    work: (n) => `Pushed ${Math.floor(between(1, 40))} notifications to ${pick(['APNs', 'FCM'])} in ${n} ms`,
  },
];

/** Dead letters a simulated queue keeps at most (the oldest are purged). */
const DLQ_MAX = 500;

const TROUBLE: Record<'degraded' | 'unhealthy', string[]> = {
  degraded: [
    'Slow query on orders_by_customer (1843 ms); consider an index',
    'Connection pool at 90% (45/50); requests are queueing',
    'Upstream latency p95 above 800 ms for 60 s',
    'GC pause of 412 ms; heap at 86%',
  ],
  unhealthy: [
    'Timeout after 5000 ms calling payments.internal:443',
    'ECONNRESET from broker; retrying in 2 s (attempt 3/5)',
    'Handler threw: TypeError: Cannot read properties of undefined (reading "currency")',
    'Circuit breaker OPEN for smtp-relay after 20 consecutive failures',
  ],
};

const RESOURCES: (ResourceReport & { baseLatency: number })[] = [
  { id: 'postgres-main', name: 'PostgreSQL (main)', kind: 'database', status: 'healthy', baseLatency: 3 },
  { id: 'redis-cache', name: 'Redis cache', kind: 'cache', status: 'healthy', baseLatency: 1 },
  { id: 'rabbitmq', name: 'RabbitMQ broker', kind: 'broker', status: 'healthy', baseLatency: 4 },
  { id: 's3-uploads', name: 'S3 uploads bucket', kind: 'storage', status: 'healthy', baseLatency: 35 },
];

interface Queue {
  depth: number;
  baseDepth: number;
  /** Its dead letters, oldest first, as the broker holds them. */
  letters: DeadLetterInput[];
  /** Dead letters piling up (an incident), being redriven, or quiet. */
  phase: 'quiet' | 'growing' | 'draining';
  phaseUntil: number;
  /** Paused by an operator: nothing is consumed, so the depth grows. */
  paused: boolean;
}

interface SimWorker {
  id: string;
  kind: Kind;
  /** Per-worker spread around the kind's typical figures. */
  scale: number;
  reporter: Reporter;
  startedAt: number;
  cpu: number;
  memMiB: number;
  errors: number;
  processed: number;
  failed: number;
  trouble: { status: 'degraded' | 'unhealthy'; until: number } | null;
  /** Set when the "process" dies: its requests never complete, like a killed process's. */
  dead: boolean;
  heartbeats: number;
}

export function createSimulator(options: SimulatorOptions): Simulator {
  const queues = new Map<string, Queue>();
  /** The last job id handed out: ids are unique across queues, as a broker's counter would make them. */
  let jobs = 104_000;
  for (const kind of KINDS) {
    if (!kind.queue) continue;
    const baseDepth = Math.round(kind.rps * between(0.5, 3));
    queues.set(kind.queue, {
      depth: baseDepth,
      baseDepth,
      letters: [],
      phase: 'quiet',
      phaseUntil: 0,
      paused: false,
    });
  }
  // Something to look at from the first second: one queue already has dead letters.
  Object.assign(queues.get('webhooks')!, {
    letters: Array.from({ length: 24 }, (_, i) => ({
      ...failedJob('webhooks', ++jobs),
      failedAt: Date.now() - (24 - i) * 40_000,
    })),
    phase: 'growing',
    phaseUntil: Date.now() + 20_000,
  });
  const resources = RESOURCES.map((r): ResourceReport & { baseLatency: number } => ({
    ...r,
    latencyMs: r.baseLatency,
  }));

  const workers: SimWorker[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const send = keepAliveFetch(agent);
  /** Next instance number per kind, so replacements get fresh ids as a new pod would. */
  const serial = new Map<string, number>();
  let scenario: NodeJS.Timeout | undefined;
  let running = false;
  let nextCrashAt = 0;
  let nextRestartAt = 0;
  let nextResourceEventAt = 0;
  let nextDlqIncidentAt = 0;

  const heartbeatMs = () => options.heartbeatIntervalMs ?? (workers.length <= 100 ? 2000 : undefined);
  const consumers = (queue: string) => workers.filter((w) => w.kind.queue === queue && !w.dead).length || 1;
  /** Fleet-wide about a line every second or two, whatever the size. */
  const logChance = () => Math.min(0.5, 12 / Math.max(1, workers.length));
  const report = (error: Error) => options.onError?.(error);

  function collect(w: SimWorker): HeartbeatBody {
    const now = Date.now();
    w.heartbeats++;
    if (w.trouble && w.trouble.until < now) {
      w.reporter.log('info', `Recovered: ${w.kind.name.toLowerCase()} back to normal latency`);
      w.trouble = null;
    }
    const trouble = w.trouble?.status;
    const load = 1 + 0.25 * Math.sin(now / 60_000 + w.scale * 7);
    w.cpu = Math.min(
      100,
      Math.max(2, w.cpu + between(-4, 4) + (trouble ? 8 : (w.kind.cpu * w.scale - w.cpu) * 0.2)),
    );
    // Memory creeps up and drops after a "GC".
    w.memMiB = Math.random() < 0.05 ? w.kind.memMiB * w.scale : w.memMiB * between(1, 1.02);
    const slow = trouble === 'unhealthy' ? between(6, 12) : trouble === 'degraded' ? between(2.5, 4) : 1;
    const responseTimeMs = Math.round(w.kind.rt * w.scale * slow * between(0.85, 1.2));
    const requestsPerSec = Math.round(w.kind.rps * w.scale * load * (trouble ? 0.6 : 1) * 10) / 10;
    const newErrors =
      trouble === 'unhealthy' ? Math.ceil(between(2, 9)) : trouble ? Math.round(between(0, 2)) : 0;
    w.errors += newErrors + (Math.random() < 0.02 ? 1 : 0);

    const metrics: WorkerMetrics = {
      cpu: Math.round(w.cpu * 10) / 10,
      memoryBytes: Math.round(w.memMiB * 1024 * 1024),
      requestsPerSec,
      responseTimeMs,
      errorCount: w.errors,
      uptimeSec: Math.round((now - w.startedAt) / 1000),
    };
    const body: HeartbeatBody = {
      status: w.heartbeats === 1 ? 'starting' : (trouble ?? 'healthy'),
      metrics,
    };
    const queue = w.kind.queue ? queues.get(w.kind.queue) : undefined;
    if (queue && w.kind.queue) {
      const share = 1 / consumers(w.kind.queue);
      const rate = queue.paused ? 0 : requestsPerSec;
      w.processed += Math.round(rate * 2);
      w.failed += newErrors;
      const stats: QueueStats = {
        depth: Math.round(queue.depth * share),
        inFlight: Math.max(0, Math.round(between(0, 4) * w.scale)),
        processed: w.processed,
        failed: w.failed,
        deadLetter: Math.round(queue.letters.length * share),
        ratePerSec: rate,
      };
      body.queueStats = stats;
    }
    // The first worker also reports the shared resources it depends on.
    if (w === workers[0]) body.resources = resources.map(({ baseLatency: _, ...r }) => r);

    if (Math.random() < logChance()) {
      if (trouble) w.reporter.log(trouble === 'unhealthy' ? 'error' : 'warn', pick(TROUBLE[trouble]));
      else if (Math.random() < 0.2)
        w.reporter.log('debug', `Polled ${w.kind.queue ?? 'http'}: ${Math.floor(between(0, 40))} ready`);
      else w.reporter.log('info', w.kind.work(responseTimeMs));
    }
    return body;
  }

  function spawnWorker(kind: Kind, id?: string): SimWorker {
    const number = (serial.get(kind.prefix) ?? 0) + 1;
    if (!id) serial.set(kind.prefix, number);
    const scale = between(0.8, 1.2);
    const w: SimWorker = {
      id: id ?? `${kind.prefix}-${number}`,
      kind,
      scale,
      reporter: undefined as unknown as Reporter,
      startedAt: Date.now(),
      cpu: kind.cpu * scale,
      memMiB: kind.memMiB * scale * 0.7,
      errors: 0,
      processed: 0,
      failed: 0,
      trouble: null,
      dead: false,
      heartbeats: 0,
    };
    const region = pick(['eu-west-1', 'eu-west-1', 'us-east-1']);
    w.reporter = createReporter({
      url: options.url,
      token: options.token,
      worker: {
        id: w.id,
        name: kind.name,
        queue: kind.queue,
        status: 'starting',
        labels: {
          host: `ip-10-0-${Math.floor(between(1, 9))}-${Math.floor(between(2, 250))}`,
          region,
          version: '2.14.1',
        },
      },
      heartbeatIntervalMs: heartbeatMs(),
      collect: () => collect(w),
      onError: report,
      actions: workers.length < ACTION_WORKERS ? declareActions(w) : [],
      // A dead process sends nothing more: its requests hang instead of failing, so the SDK does not retry.
      // The action stream is read as it arrives, which the buffering keep-alive fetch cannot do.
      fetch: (input, init) =>
        w.dead
          ? new Promise<Response>(() => {})
          : String(input).endsWith('/actions') && !init?.method
            ? fetch(input, init)
            : send(input, init),
    });
    return w;
  }

  /** What an operator can ask of `w`, as a worker of its kind would offer it, and how it is done. */
  function declareActions(w: SimWorker): ReporterAction[] {
    const name = w.kind.queue;
    const queue = name ? queues.get(name) : undefined;
    // A dead process answers nothing: the action times out, as it would.
    const alive = <T>(run: () => T) => (w.dead ? new Promise<T>(() => {}) : run());
    const worker: ReporterAction[] = [
      {
        name: 'restart',
        target: 'worker',
        label: 'Restart',
        confirm: `Restart ${w.kind.name} ${w.id}? Its in-flight jobs are retried.`,
        // After answering: stopping the reporter waits for running actions.
        handler: (_params, ctx) =>
          alive(() => {
            w.reporter.log('info', `Restart requested by ${ctx.by}; draining in-flight work`);
            setTimeout(() => restartWorker(w), 300);
            return `Restarting ${w.id}`;
          }),
      },
      {
        name: 'drain',
        target: 'worker',
        label: 'Drain and stop',
        confirm: `Stop ${w.id} once its in-flight jobs finish? It leaves the fleet.`,
        dangerous: true,
        handler: (_params, ctx) =>
          alive(() => {
            w.reporter.log('warn', `Drain requested by ${ctx.by}; stopping after in-flight work`);
            setTimeout(() => workers.includes(w) && retire(w).catch(report), 300);
            return `Draining ${w.id}`;
          }),
      },
    ];
    if (!queue || !name) return worker;
    /** Takes dead letter `id` off the broker's list (the dashboard's follows); one not there is an error. */
    const takeLetter = (id: string) => {
      const at = queue.letters.findIndex((job) => job.id === id);
      if (at < 0) throw new Error(`No dead letter "${id}" in ${name}: retried or deleted already`);
      reportRemoved(name, queue.letters.splice(at, 1));
    };
    const jobId = { id: { type: 'string', label: 'Job id', required: true } } as const;
    const paused = (value: boolean, by: string) => {
      if (queue.paused === value) return `${name} is already ${value ? 'paused' : 'running'}`;
      queue.paused = value;
      w.reporter.log(value ? 'warn' : 'info', `Queue ${name} ${value ? 'paused' : 'resumed'} by ${by}`);
      return `${value ? 'Paused' : 'Resumed'} ${name} (depth ${Math.round(queue.depth)})`;
    };
    return [
      ...worker,
      {
        name: 'pause',
        target: 'queue',
        label: 'Pause',
        handler: (_params, ctx) => alive(() => paused(true, ctx.by)),
      },
      {
        name: 'resume',
        target: 'queue',
        label: 'Resume',
        handler: (_params, ctx) => alive(() => paused(false, ctx.by)),
      },
      {
        name: 'retryOne',
        target: 'deadLetters',
        label: 'Retry',
        params: jobId,
        handler: (params) =>
          alive(() => {
            takeLetter(String(params.id));
            queue.depth += 1;
            return `Job ${params.id} moved back to ${name}`;
          }),
      },
      {
        name: 'deleteOne',
        target: 'deadLetters',
        label: 'Delete',
        confirm: 'Delete this dead letter? Its job cannot be recovered.',
        dangerous: true,
        params: jobId,
        handler: (params) =>
          alive(() => {
            takeLetter(String(params.id));
            return `Deleted job ${params.id}`;
          }),
      },
      {
        name: 'retryDeadLetters',
        target: 'deadLetters',
        label: 'Retry all',
        confirm: `Move every dead letter of ${name} back to the queue?`,
        handler: () =>
          alive(() => {
            const moved = queue.letters.length;
            queue.depth += moved;
            removeOldest(name, queue, moved);
            queue.phase = 'quiet';
            return `Moved ${moved} dead letters back to ${name}`;
          }),
      },
      {
        name: 'purge',
        target: 'deadLetters',
        label: 'Purge',
        confirm: `Delete the dead letters of ${name}? They cannot be recovered.`,
        dangerous: true,
        params: {
          keep: {
            type: 'number',
            label: 'Keep the newest',
            description: 'Dead letters to keep for inspection',
            minimum: 0,
            maximum: 1000,
            integer: true,
          },
        },
        handler: (params) =>
          alive(() => {
            const keep = Math.min(queue.letters.length, Number(params.keep ?? 0));
            const purged = queue.letters.length - keep;
            removeOldest(name, queue, purged);
            queue.phase = 'quiet';
            return `Purged ${purged} dead letters of ${name}${keep ? `, kept ${keep}` : ''}`;
          }),
      },
    ];
  }

  async function launch(w: SimWorker, delayMs: number): Promise<void> {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (!running || !workers.includes(w)) return;
    // A consumer starting sends its queue's whole dead-letter list, as one reading the broker would.
    const queue = w.kind.queue ? queues.get(w.kind.queue) : undefined;
    if (queue && w.kind.queue)
      w.reporter.reportDeadLetters(w.kind.queue, { replace: true, added: queue.letters });
    await w.reporter.start();
    w.reporter.log('info', `${w.kind.name} ${w.id} started (pid ${Math.floor(between(1000, 60000))})`);
  }

  async function grow(count: number): Promise<void> {
    const spread = Math.min(5000, count * 5);
    const started: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const w = spawnWorker(KINDS[workers.length % KINDS.length]!);
      workers.push(w);
      // Spread the starts (and so every later heartbeat) over a few seconds.
      started.push(launch(w, count > 50 ? Math.random() * spread : 0).catch(report));
    }
    await Promise.all(started);
  }

  async function retire(w: SimWorker): Promise<void> {
    workers.splice(workers.indexOf(w), 1);
    if (w.dead) return;
    w.reporter.update({ status: 'stopping' });
    await w.reporter.heartbeat().catch(report);
    await w.reporter.stop().catch(report);
  }

  /** Picks a live worker other than the first (which reports the resources). */
  const victim = (filter: (w: SimWorker) => boolean = () => true) =>
    pick(workers.slice(1).filter((w) => !w.dead && filter(w)));

  function crash(now: number): void {
    const w = victim((x) => !x.trouble);
    if (!w) return;
    w.reporter.log(
      'error',
      `FATAL ${pick(['JavaScript heap out of memory', 'Segmentation fault in sharp (libvips)', 'Killed by OOM killer (exit 137)'])}`,
    );
    // The last words get out, then the process is gone: no deregistration, no more heartbeats.
    w.reporter
      .flushLogs()
      .catch(report)
      .finally(() => {
        w.dead = true;
      });
    // After the server has expired it, an orchestrator starts a replacement with a new id.
    setTimeout(() => {
      if (!running || !workers.includes(w)) return;
      workers.splice(workers.indexOf(w), 1);
      const replacement = spawnWorker(w.kind);
      workers.push(replacement);
      launch(replacement, 0).catch(report);
    }, options.expireAfterMs + 20_000).unref();
    nextCrashAt = now + options.expireAfterMs + between(60_000, 120_000);
  }

  function restart(now: number): void {
    const w = victim();
    if (!w) return;
    w.reporter.log('info', 'Received SIGTERM (deploy v2.14.2); draining in-flight work');
    restartWorker(w);
    nextRestartAt = now + between(90_000, 150_000);
  }

  /** `w` leaves and, a few seconds later, comes back under the same id, as a restarted pod does. */
  function restartWorker(w: SimWorker): void {
    if (!workers.includes(w)) return;
    const index = workers.indexOf(w);
    retire(w).then(() => {
      // Same id: the dashboard sees it leave and come back.
      setTimeout(() => {
        if (!running) return;
        const again = spawnWorker(w.kind, w.id);
        workers.splice(Math.min(index, workers.length), 0, again);
        launch(again, 0).catch(report);
      }, 4000).unref();
    }, report);
  }

  /** A live consumer of `name`, to report its dead letters. */
  const consumer = (name: string) => workers.find((w) => w.kind.queue === name && !w.dead);

  /** `count` jobs of the queue fail for good: they join its dead letters (at most DLQ_MAX kept). */
  function fail(name: string, queue: Queue, count: number): void {
    const added = Array.from({ length: count }, () => failedJob(name, ++jobs));
    queue.letters.push(...added);
    const removed = queue.letters.splice(0, Math.max(0, queue.letters.length - DLQ_MAX)).map((job) => job.id);
    consumer(name)?.reporter.reportDeadLetters(name, { added, removed });
  }

  /** The oldest `count` dead letters leave the list: retried (a redrive) or purged. */
  function removeOldest(name: string, queue: Queue, count: number): void {
    reportRemoved(name, queue.letters.splice(0, count));
  }

  /** Jobs that left a queue's dead letters, told to the dashboard by the queue's consumer. */
  function reportRemoved(name: string, jobs: { id: string }[]): void {
    if (jobs.length) consumer(name)?.reporter.reportDeadLetters(name, { removed: jobs.map((job) => job.id) });
  }

  function tick(): void {
    const now = Date.now();
    // Degradation: a few workers at a time, each for 15-45 s.
    const troubled = workers.filter((w) => w.trouble).length;
    if (
      troubled < Math.max(1, workers.length * 0.06) &&
      Math.random() < 0.08 * Math.max(1, workers.length / 12)
    ) {
      const w = victim((x) => !x.trouble);
      if (w) {
        const status = Math.random() < 0.25 ? 'unhealthy' : 'degraded';
        w.trouble = { status, until: now + between(15_000, 45_000) };
        w.reporter.log(status === 'unhealthy' ? 'error' : 'warn', pick(TROUBLE[status]));
      }
    }
    // Queues: depth wanders; dead letters grow during an incident, then a redrive drains them.
    const broker = resources.find((r) => r.kind === 'broker')!;
    for (const [name, queue] of queues) {
      const target = broker.status === 'down' ? queue.baseDepth * 6 : queue.baseDepth;
      // Paused: jobs keep arriving and none is taken.
      queue.depth = queue.paused
        ? queue.depth + queue.baseDepth * between(0.05, 0.15)
        : Math.max(0, queue.depth + (target - queue.depth) * 0.1 + between(-1, 1) * queue.baseDepth * 0.1);
      if (queue.phase === 'growing') {
        fail(name, queue, Math.round(between(1, 9)));
        if (now > queue.phaseUntil) queue.phase = 'draining';
      } else if (queue.phase === 'draining') {
        removeOldest(name, queue, Math.round(between(4, 12)));
        if (queue.letters.length === 0) queue.phase = 'quiet';
      } else if (Math.random() < 0.01) {
        fail(name, queue, 1);
      }
    }
    if (now > nextDlqIncidentAt) {
      const quiet = [...queues.values()].filter((q) => q.phase === 'quiet');
      const queue = quiet.length ? pick(quiet) : undefined;
      if (queue) Object.assign(queue, { phase: 'growing', phaseUntil: now + between(20_000, 40_000) });
      nextDlqIncidentAt = now + between(50_000, 90_000);
    }
    // Resources: latency jitters; now and then one degrades or goes down for a while.
    for (const r of resources) {
      const factor = r.status === 'degraded' ? between(8, 20) : 1;
      r.latencyMs =
        r.status === 'down' ? null : Math.round(r.baseLatency * factor * between(0.7, 1.4) * 10) / 10;
    }
    if (now > nextResourceEventAt) {
      for (const r of resources) Object.assign(r, { status: 'healthy', message: null });
      const r = pick(resources);
      const down = r.kind === 'broker' && Math.random() < 0.4;
      Object.assign(
        r,
        down
          ? { status: 'down', message: 'Connection refused (node rabbit@mq-2 unreachable)' }
          : {
              status: 'degraded',
              message: `p95 latency ${Math.round(r.baseLatency * 15)} ms, above the 50 ms objective`,
            },
      );
      nextResourceEventAt = now + between(25_000, 40_000);
      // Resource incidents are short; the next event (or this reset) clears them.
      setTimeout(
        () => {
          Object.assign(r, { status: 'healthy', message: null });
        },
        down ? 10_000 : 20_000,
      ).unref();
    }
    if (now > nextCrashAt && workers.length > 3) crash(now);
    if (now > nextRestartAt && workers.length > 3) restart(now);
  }

  return {
    get size() {
      return workers.length;
    },
    async start() {
      running = true;
      const now = Date.now();
      nextRestartAt = now + 25_000;
      nextCrashAt = now + 40_000;
      nextResourceEventAt = now + 15_000;
      nextDlqIncidentAt = now + 45_000;
      scenario = setInterval(tick, 1000);
      await grow(options.workers);
    },
    async resize(count) {
      const target = Math.max(0, Math.floor(count));
      if (target > workers.length) await grow(target - workers.length);
      else await Promise.all(workers.slice(target).map(retire));
    },
    async stop() {
      running = false;
      clearInterval(scenario);
      await Promise.all([...workers].map(retire));
      agent.destroy();
    },
  };
}
