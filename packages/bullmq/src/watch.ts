import type { QueueStats, RegisterWorkerBody, ReportableStatus } from '@pulseboard/protocol';
import { createFleetReporter, type FleetReporter } from '@pulseboard/reporter';
import { Queue } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import { queueActions } from './actions.js';
import { type WorkerConnection, workerConnections } from './connections.js';
import { createDeadLetterSync } from './dead-letter-sync.js';
import { scanQueues } from './discovery.js';
import { type QueueEvent, readQueueEvents } from './events.js';
import { idPart, queueLabel } from './ids.js';
import { createRateWindow, type RateWindow } from './rate.js';
import { changedStats, JOB_STATES, toQueueStats } from './stats.js';

export interface WatchBullMQOptions {
  /** The Redis BullMQ uses: a `redis://` URL or ioredis options (the adapter opens its own two connections). */
  connection: string | RedisOptions;
  /** The queues to watch. Without them, every queue under `prefix` is, found again each reconciliation. */
  queues?: string[] | undefined;
  /** BullMQ's key prefix. Default `bull`. */
  prefix?: string | undefined;
  /**
   * A fleet reporter of yours (you start and stop it), or `serverUrl` (and `token`) for one the
   * adapter makes, starts and stops.
   */
  reporter?: FleetReporter | undefined;
  serverUrl?: string | undefined;
  /** A worker token, when the server requires one. */
  token?: string | undefined;
  /** The adapter's own worker id; its queues' and BullMQ workers' ids start with it. Default `bullmq-<prefix>`. */
  id?: string | undefined;
  /** How often counts are read whole (`getJobCounts`), queues found again and BullMQ workers listed. Default 5000 ms. */
  reconcileMs?: number | undefined;
  /** How long events wait to be read as one count (events in a burst cost one `getJobCounts`). Default 5 ms. */
  coalesceMs?: number | undefined;
  /** The window `ratePerSec` averages completions over. Default 60,000 ms. */
  rateWindowMs?: number | undefined;
  /** The newest failed jobs of each queue reported as its dead letters. Default 1,000; 0: none. */
  deadLettersMax?: number | undefined;
  /**
   * Whether each queue's worker declares the operator actions (retry, remove, clean, promote, pause,
   * resume; see the README). Default true. The fleet then holds one action stream for them all.
   */
  actions?: boolean | undefined;
  /** Errors the adapter carries on through (Redis gone, the server unreachable). */
  onError?: ((error: Error) => void) | undefined;
}

export interface BullMQWatch {
  /** The queues watched now. */
  readonly queues: readonly string[];
  /** Whether the adapter reaches Redis now (when not, every worker it reports is `degraded`). */
  readonly redisUp: boolean;
  /** Reads everything now (what the timer does every `reconcileMs`). */
  reconcile(): Promise<void>;
  /** Stops reading, closes the Redis connections, and (a reporter of its own) deregisters. */
  close(): Promise<void>;
}

/** A queue as watched: its BullMQ handle, what was last reported, and its worker connections. */
interface Watched {
  name: string;
  id: string;
  queue: Queue;
  rate: RateWindow;
  stats: QueueStats | undefined;
  paused: boolean;
  status: ReportableStatus | undefined;
  /** Redis client id → Pulseboard worker id. */
  connections: Map<string, string>;
  /** Its failed jobs as dead letters, when reported. */
  deadLetters: ReturnType<typeof createDeadLetterSync> | undefined;
  /** A `failed` event came since the dead letters were last read. */
  failedSince: boolean;
  /** Its worker is in the fleet: what changes is pushed (before, its registration carries it). */
  registered: boolean;
}

/**
 * Watches BullMQ queues and reports each as a Pulseboard worker consuming it
 * (its stats BullMQ's counts), each BullMQ Worker connected to one as a worker
 * too, and the adapter itself with Redis as its resource. Changes are read
 * when BullMQ's events say something happened, and everything again every
 * `reconcileMs`. Never throws for Redis or the server being away: it reports
 * `degraded`, retries, and carries on.
 */
export function watchBullMQ(options: WatchBullMQOptions): BullMQWatch {
  const prefix = options.prefix ?? 'bull';
  const adapterId = options.id ?? `bullmq-${idPart(prefix)}`;
  const reconcileMs = options.reconcileMs ?? 5000;
  const coalesceMs = options.coalesceMs ?? 5;
  const rateWindowMs = options.rateWindowMs ?? 60_000;
  const deadLettersMax = options.deadLettersMax ?? 1000;
  let closed = false;
  // After close, reads cut short by the closed connection are no news.
  const report = (error: unknown) => {
    if (!closed) options.onError?.(error instanceof Error ? error : new Error(String(error)));
  };

  const fleet = options.reporter ?? ownReporter(options, adapterId, report);
  const ownsFleet = !options.reporter;

  const redisOptions: RedisOptions = {
    // Commands wait for Redis to come back rather than fail: a reconciliation resumes where it was.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(250 * 2 ** Math.min(times, 5), 5000),
  };
  const command =
    typeof options.connection === 'string'
      ? new Redis(options.connection, redisOptions)
      : new Redis({ ...options.connection, ...redisOptions });
  const blocking = command.duplicate();
  const redisAddress = `${command.options.host ?? '127.0.0.1'}:${command.options.port ?? 6379}`;
  const resourceId = `redis-${idPart(redisAddress)}`;

  const watched = new Map<string, Watched>();
  const dirty = new Set<string>();
  let redisUp = false;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let flushing: Promise<void> | undefined;
  let reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  let reconciling: Promise<void> | undefined;

  const adapter: RegisterWorkerBody = {
    id: adapterId,
    name: `BullMQ ${redisAddress} (${prefix})`,
    queue: null,
    status: 'degraded',
    labels: { source: 'bullmq', redis: redisAddress, prefix },
  };

  // ioredis emits 'error' on every failed reconnect; unheard, it would crash the process.
  command.on('error', report);
  blocking.on('error', () => {});
  command.on('ready', () => setRedisUp(true));
  command.on('close', () => setRedisUp(false));

  const events = readQueueEvents({
    blocking,
    command,
    prefix,
    blockMs: 1000,
    onEvents: onQueueEvents,
    onError: report,
  });

  function setRedisUp(up: boolean): void {
    if (up === redisUp || closed) return;
    redisUp = up;
    fleet.push(adapterId, { status: up ? 'healthy' : 'degraded' });
    reportRedis(null);
    for (const queue of watched.values()) reportStatus(queue);
    if (up) scheduleReconcile(0);
  }

  /** Redis as the adapter's resource: down while unreachable, else up with its PING time. */
  function reportRedis(latencyMs: number | null): void {
    fleet.reportResources(adapterId, [
      {
        id: resourceId,
        name: `Redis ${redisAddress}`,
        kind: 'broker',
        status: redisUp ? 'healthy' : 'down',
        latencyMs,
        message: redisUp ? null : 'unreachable: retrying',
      },
    ]);
  }

  /**
   * degraded: paused, or Redis is away (the figures are the last read);
   * unhealthy: jobs wait and no BullMQ Worker is connected to take them.
   */
  function statusOf(queue: Watched): ReportableStatus {
    if (!redisUp || queue.paused) return 'degraded';
    if ((queue.stats?.depth ?? 0) > 0 && queue.connections.size === 0) return 'unhealthy';
    return 'healthy';
  }

  function reportStatus(queue: Watched): void {
    const status = statusOf(queue);
    if (status === queue.status || !queue.registered) return;
    queue.status = status;
    fleet.push(queue.id, { status });
  }

  function onQueueEvents(name: string, batch: QueueEvent[]): void {
    const queue = watched.get(name);
    if (!queue) return;
    let changed = false;
    for (const event of batch) {
      if (event.event === 'completed') queue.rate.record(Number(event.id.split('-')[0]));
      // A job failed again (the count may not move when another left failed meanwhile).
      if (event.event === 'failed') queue.failedSince = true;
      // Progress and the like change no count.
      if (event.event !== 'progress' && event.event !== 'duplicated') changed = true;
    }
    if (changed) markDirty(name);
  }

  function markDirty(name: string): void {
    dirty.add(name);
    flushTimer ??= setTimeout(flush, coalesceMs);
  }

  function flush(): void {
    flushTimer = undefined;
    if (flushing) {
      // Events that came while a read was on its way: read again once it is done.
      flushing.then(() => {
        flushTimer ??= setTimeout(flush, coalesceMs);
      });
      return;
    }
    const names = [...dirty];
    dirty.clear();
    flushing = readCounts(names)
      .catch(report)
      .finally(() => {
        flushing = undefined;
      });
  }

  /**
   * Reads the counts of `names` (BullMQ's own getJobCounts), all sent at once on the one connection
   * (1,000 queues: one pipelined round, not 1,000 round trips), and pushes what changed; reads the dead
   * letters of registered queues whose failed count moved or that had a `failed` event, or of all with
   * `all` (reconciliation).
   */
  async function readCounts(names: string[], all = false): Promise<void> {
    const queues = names.flatMap((name) => {
      const queue = watched.get(name);
      return queue ? [queue] : [];
    });
    const read = await Promise.all(
      queues.map((queue) => Promise.all([queue.queue.getJobCounts(...JOB_STATES), queue.queue.isPaused()])),
    );
    const now = Date.now();
    const deadLetters: Promise<void>[] = [];
    queues.forEach((queue, index) => {
      const [counts, paused] = read[index] as [Record<string, number>, boolean];
      // Unwatched meanwhile: its worker is gone, a push would fail.
      if (watched.get(queue.name) !== queue) return;
      const stats = toQueueStats(counts, queue.rate.perSec(now));
      const changed = changedStats(queue.stats, stats);
      // A reconciliation skips a queue with no failed job and none listed: 1,000 idle queues cost nothing.
      const check = all && (stats.failed > 0 || queue.deadLetters?.stale);
      if (queue.registered && queue.deadLetters && (check || queue.failedSince || 'failed' in changed)) {
        queue.failedSince = false;
        deadLetters.push(queue.deadLetters.refresh());
      }
      queue.stats = stats;
      queue.paused = paused;
      if (queue.registered && Object.keys(changed).length > 0) fleet.reportQueue(queue.id, changed);
      reportStatus(queue);
    });
    await Promise.all(deadLetters);
  }

  /** A queue found: watched from now (its events are read from when `events.watch` was called for it). */
  function open(name: string): Watched {
    const id = `${adapterId}:q:${idPart(name)}`;
    const queue: Watched = {
      name,
      id,
      // skipMetasUpdate: watching must not write to the queue (nor bring back one that was deleted).
      // skipVersionCheck: else each Queue sends its own INFO (about 6 KB) before its first command, 1,000
      // for 1,000 queues; what the adapter does with a Queue has a path for every Redis version.
      queue: new Queue(name, { connection: command, prefix, skipMetasUpdate: true, skipVersionCheck: true }),
      rate: createRateWindow(rateWindowMs, Date.now()),
      stats: undefined,
      paused: false,
      status: undefined,
      connections: new Map(),
      deadLetters:
        deadLettersMax > 0
          ? createDeadLetterSync({
              client: command,
              prefix,
              queue: name,
              max: deadLettersMax,
              report: (change) => fleet.reportDeadLetters(id, queueLabel(name), change),
              onError: report,
            })
          : undefined,
      failedSince: false,
      registered: false,
    };
    queue.queue.on('error', report);
    watched.set(name, queue);
    return queue;
  }

  /** Registers a queue's worker with what was read of it: the dashboard's first sight is its counts. */
  async function register(queue: Watched): Promise<void> {
    // A reconciliation still on its way when closed: a fleet of the caller's is still running.
    if (closed || watched.get(queue.name) !== queue) return;
    queue.registered = true;
    queue.status = statusOf(queue);
    await fleet.add(
      {
        id: queue.id,
        name: queueLabel(queue.name),
        queue: queueLabel(queue.name),
        status: queue.status,
        ...(queue.stats && { queueStats: queue.stats }),
        labels: { source: 'bullmq', redis: redisAddress, prefix, bullmqQueue: queue.name.slice(0, 256) },
      },
      // After an action its effect is read at once (its events would say so a moment later).
      options.actions === false ? [] : queueActions(queue.queue, () => markDirty(queue.name)),
    );
    // Its failed jobs, read once it is known (counts read before registering could not send them).
    if (queue.deadLetters && (queue.stats?.failed ?? 0) > 0) await queue.deadLetters.refresh();
  }

  async function unwatch(name: string): Promise<void> {
    const queue = watched.get(name);
    if (!queue) return;
    watched.delete(name);
    events.unwatch(name);
    // A queue deleted: its dead letters go with it (the server keeps a list until it is emptied).
    if (queue.deadLetters) fleet.reportDeadLetters(queue.id, queueLabel(name), { replace: true });
    await Promise.all([...queue.connections.values(), queue.id].map((id) => fleet.remove(id)));
    await queue.queue.close();
  }

  /**
   * The BullMQ Worker connections that came and went, as steps registering and deregistering a
   * Pulseboard worker for each (run with the queues' registrations, so they share one batch).
   */
  function syncConnections(byQueue: Map<string, WorkerConnection[]>): (() => Promise<void>)[] {
    const work: (() => Promise<void>)[] = [];
    for (const queue of watched.values()) {
      const now = new Map((byQueue.get(queue.name) ?? []).map((c) => [c.clientId, c]));
      for (const [clientId, id] of queue.connections) {
        if (now.has(clientId)) continue;
        queue.connections.delete(clientId);
        work.push(() => fleet.remove(id));
      }
      for (const [clientId, connection] of now) {
        if (queue.connections.has(clientId)) continue;
        const id = `${queue.id}:w:${idPart(clientId)}`;
        queue.connections.set(clientId, id);
        work.push(() =>
          fleet.add({
            id,
            name: `${queueLabel(queue.name).slice(0, 120)} · ${connection.workerName.slice(0, 60) || 'worker'}`,
            queue: queueLabel(queue.name),
            status: 'healthy',
            labels: {
              source: 'bullmq',
              redis: redisAddress,
              addr: connection.addr.slice(0, 256),
              client: clientId.slice(0, 256),
            },
          }),
        );
      }
    }
    return work;
  }

  async function reconcile(): Promise<void> {
    const pinged = performance.now();
    await command.ping();
    reportRedis(Math.round((performance.now() - pinged) * 10) / 10);
    const names = options.queues ?? (await scanQueues(command, prefix));
    const wanted = new Set(names);
    await Promise.all([...watched.keys()].filter((name) => !wanted.has(name)).map(unwatch));
    const added = names.filter((name) => !watched.has(name));
    await events.watch(added);
    // Closed meanwhile: a Queue opened now would never be closed.
    if (closed) return;
    const fresh = added.map(open);
    const connections = syncConnections(workerConnections((await command.client('LIST')) as string, prefix));
    await readCounts([...watched.keys()], true);
    // In one turn: the fleet sends every registration in it in one request.
    const outcomes = await Promise.allSettled([
      ...fresh.map(register),
      ...connections.map((step) => (closed ? Promise.resolve() : step())),
    ]);
    for (const outcome of outcomes) if (outcome.status === 'rejected') report(outcome.reason);
    for (const queue of watched.values()) reportStatus(queue);
  }

  function scheduleReconcile(delay: number): void {
    clearTimeout(reconcileTimer);
    if (closed) return;
    reconcileTimer = setTimeout(() => {
      reconcileTimer = undefined;
      runReconcile().finally(() => {
        if (!reconcileTimer) scheduleReconcile(reconcileMs);
      });
    }, delay);
  }

  /** One reconciliation at a time; a second caller waits for the one on its way. */
  function runReconcile(): Promise<void> {
    reconciling ??= reconcile()
      .catch(report)
      .finally(() => {
        reconciling = undefined;
      });
    return reconciling;
  }

  const starting = (async () => {
    await fleet.add(adapter);
    if (ownsFleet) await fleet.start();
  })().catch(report);
  scheduleReconcile(0);

  return {
    get queues() {
      return [...watched.keys()];
    },
    get redisUp() {
      return redisUp;
    },
    reconcile: runReconcile,
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(reconcileTimer);
      clearTimeout(flushTimer);
      events.close();
      command.disconnect();
      // Not the reads on their way: ioredis never settles commands queued while it waits to reconnect.
      // Their registrations after this are not sent (the fleet has stopped).
      await starting;
      await Promise.allSettled([...watched.values()].map((queue) => queue.queue.close()));
      if (ownsFleet) {
        await fleet.stop().catch(report);
        return;
      }
      const ids = [...watched.values()].flatMap((queue) => [queue.id, ...queue.connections.values()]);
      await Promise.allSettled([adapterId, ...ids].map((id) => fleet.remove(id)));
    },
  };
}

function ownReporter(
  options: WatchBullMQOptions,
  adapterId: string,
  report: (error: unknown) => void,
): FleetReporter {
  if (!options.serverUrl) throw new Error('watchBullMQ needs a reporter or a serverUrl');
  return createFleetReporter({
    url: options.serverUrl,
    token: options.token,
    workers: [],
    // Its action stream under the adapter's id: one for every queue's worker.
    fleet: adapterId,
    onError: report,
  });
}
