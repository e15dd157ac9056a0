import {
  type DeregisterWorkerBatchResponse,
  type HeartbeatBatchResponse,
  type HeartbeatBody,
  LIMITS,
  type QueueStats,
  type RegisterWorkerBatchResponse,
  type RegisterWorkerBody,
  type ResourceReport,
  type WorkerMetrics,
} from '@pulseboard/protocol';
import { createActionStream } from './action-stream.js';
import { createActionRunner, postResult, type ReporterAction } from './actions.js';
import { sameTurn, settle } from './batches.js';
import { createDeadLetterSender, type DeadLetterChange } from './dead-letters.js';
import { backoffMs, type ConnectionOptions, requestJson } from './http.js';
import { coalesce, mergeHeartbeat, PUSH_GAP_MS } from './push.js';

/** A registration batch's body at most: half the server's default batch limit (1 MiB). */
const REGISTER_BATCH_BYTES = 512 * 1024;

/** One process reporting for several workers (a host's fleet, a queue-system adapter). */
export interface FleetReporterOptions extends ConnectionOptions {
  workers: RegisterWorkerBody[];
  /** Called before each interval's batch, per worker; what it returns is sent over the pushed state. */
  collect?: ((id: string) => HeartbeatBody | undefined) | undefined;
  /**
   * The fleet's id (an id like a worker's): its workers that declare actions register with it and
   * take their actions on one stream, `GET /api/fleets/:id/actions`. Default `fleet-<random UUID>`.
   */
  fleet?: string | undefined;
}

export interface FleetReporter {
  /** Registers every worker (one batch), then heartbeats them all in one `POST /api/heartbeats` per interval. */
  start(): Promise<void>;
  /** A change for one worker, sent with the others' in one batch, at most one request per 100 ms. */
  push(id: string, change: HeartbeatBody): void;
  reportQueue(id: string, stats: Partial<QueueStats>): void;
  reportMetrics(id: string, metrics: Partial<WorkerMetrics>): void;
  reportResources(id: string, resources: ResourceReport[]): void;
  /** A change to worker `id`'s dead letters of `queue`, sent as `Reporter.reportDeadLetters` sends it. */
  reportDeadLetters(id: string, queue: string, change: DeadLetterChange): void;
  /**
   * A worker joining the fleet (a queue that appeared): registered now when started, else by `start()`.
   * Workers added in the same turn register in one request; each promise settles with its own answer.
   * With `actions`, it declares them and takes them on the fleet's one action stream (held while any
   * worker declares actions), running their handlers as `Reporter.onAction` does (a batch of
   * heartbeats has no room for actions: no heartbeat fallback).
   */
  add(worker: RegisterWorkerBody, actions?: ReporterAction[]): Promise<void>;
  /**
   * A worker leaving the fleet (a queue that went away): deregistered, and no longer heartbeated.
   * Workers removed in the same turn are deregistered in one request (`DELETE /api/workers`).
   */
  remove(id: string): Promise<void>;
  /** Sends every worker's heartbeat now. */
  heartbeat(): Promise<void>;
  /** Stops the timers and deregisters every worker (one `DELETE /api/workers` per 1,000). */
  stop(): Promise<void>;
}

/**
 * The reporter for many workers: heartbeats and pushed changes travel in
 * batches (`POST /api/heartbeats`, at most 1,000 items a request), and a
 * worker answered `unknown_worker` (the server restarted or expired it) is
 * registered again.
 */
export function createFleetReporter(options: FleetReporterOptions): FleetReporter {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const workers = new Map(options.workers.map((worker) => [worker.id, worker]));
  const fleet = options.fleet ?? `fleet-${crypto.randomUUID()}`;
  /** The handlers of each worker that declares actions. */
  const acting = new Map<string, ReturnType<typeof createActionRunner>>();
  const deadLetters = new Map<string, ReturnType<typeof createDeadLetterSender>>();
  const state = new Map<string, HeartbeatBody>();
  let pending = new Map<string, HeartbeatBody>();
  let intervalMs = options.heartbeatIntervalMs ?? 5000;
  let running = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let ticking: Promise<void> = Promise.resolve();

  const report = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));
  const request = (method: string, path: string, body?: unknown) =>
    requestJson(doFetch, base, path, options.token, method, body);
  const backoff = () => backoffMs(failures, maxBackoffMs);

  /** One stream for the actions of every worker in `acting` (1,000 queues: one connection, not 1,000). */
  const stream = createActionStream({
    url: base,
    path: `/api/fleets/${encodeURIComponent(fleet)}/actions`,
    token: options.token,
    fetch: doFetch,
    maxBackoffMs,
    // A worker removed meanwhile is deregistered: the server completes its action as timeout.
    onAction: (delivery) => acting.get(delivery.worker)?.dispatch(delivery),
    onFallback: () => {},
    report,
  });

  /** Registers a worker with its state, in one batch with every registration asked for in the same turn. */
  const register = sameTurn<string>(async (batch) => {
    const items = batch.flatMap((entry) => {
      const worker = workers.get(entry.value);
      // Removed while its registration waited.
      if (!worker) {
        entry.resolve();
        return [];
      }
      const { resources: _, ...figures } = state.get(entry.value) ?? {};
      const actions = acting.get(entry.value)?.declarations();
      const body = { ...worker, ...figures, ...(actions ? { actions, fleet } : {}) };
      return [{ entry, body, size: JSON.stringify(body).length }];
    });
    // Requests within the server's caps: items per batch, and half the default batch body limit.
    const requests: (typeof items)[] = [];
    let size = Number.POSITIVE_INFINITY;
    for (const item of items) {
      const last = requests.at(-1);
      if (!last || last.length === LIMITS.registerBatchMax || size + item.size > REGISTER_BATCH_BYTES) {
        requests.push([item]);
        size = item.size;
      } else {
        last.push(item);
        size += item.size;
      }
    }
    await Promise.all(
      requests.map(async (chunk) => {
        const entries = chunk.map((item) => item.entry);
        try {
          const { response } = await request('POST', '/api/workers', { workers: chunk.map((i) => i.body) });
          const body = (await response.json()) as RegisterWorkerBatchResponse;
          intervalMs = options.heartbeatIntervalMs ?? body.heartbeatIntervalMs;
          settle(entries, body.results, 'registration');
        } catch (error) {
          for (const entry of entries) entry.reject(error as Error);
        }
      }),
    );
  });

  /**
   * Deregisters a worker, in one `DELETE /api/workers` with every deregistration asked for in the
   * same turn (a fleet stopping: one request for its 1,000 workers). One already gone is no error.
   */
  const deregister = sameTurn<string>(async (batch) => {
    for (let i = 0; i < batch.length; i += LIMITS.registerBatchMax) {
      const chunk = batch.slice(i, i + LIMITS.registerBatchMax);
      try {
        const { response } = await request('DELETE', '/api/workers', { workers: chunk.map((e) => e.value) });
        const body = (await response.json()) as DeregisterWorkerBatchResponse;
        settle(chunk, body.results, 'deregistration', ['unknown_worker']);
      } catch (error) {
        for (const entry of chunk) entry.reject(error as Error);
      }
    }
  });

  async function send(items: [string, HeartbeatBody][]): Promise<void> {
    for (let i = 0; i < items.length; i += LIMITS.heartbeatBatchMax) {
      const heartbeats = items.slice(i, i + LIMITS.heartbeatBatchMax).map(([id, body]) => ({ ...body, id }));
      const { response } = await request('POST', '/api/heartbeats', { heartbeats });
      const { results } = (await response.json()) as HeartbeatBatchResponse;
      const unknown = results.flatMap((result) => {
        if (result.ok) return [];
        if (result.error.code === 'unknown_worker' && result.id) return [result.id];
        report(new Error(`heartbeat of ${result.id}: ${result.error.code} ${result.error.message}`));
        return [];
      });
      // Registering sends the worker's state, which holds what the refused item carried.
      const registered = await Promise.allSettled(unknown.map(register));
      for (const outcome of registered) if (outcome.status === 'rejected') report(outcome.reason);
    }
  }

  const pusher = coalesce(
    async () => {
      const changes = [...pending];
      pending = new Map();
      if (changes.length > 0) await send(changes);
    },
    PUSH_GAP_MS,
    report,
  );

  function push(id: string, change: HeartbeatBody): void {
    if (!workers.has(id)) throw new Error(`No worker "${id}" in this fleet`);
    state.set(id, mergeHeartbeat(state.get(id) ?? {}, change));
    if (!running) return;
    pending.set(id, mergeHeartbeat(pending.get(id) ?? {}, change));
    pusher.schedule();
  }

  /** Starts the fleet's action stream (`id` declares actions) and sends its waiting dead letters, once the server knows it. */
  function live(id: string): void {
    if (acting.has(id)) stream.start();
    deadLetters.get(id)?.schedule();
  }

  /** Stops what `id` has on its way; its running actions are answered first. */
  async function quiet(id: string): Promise<void> {
    const runner = acting.get(id);
    acting.delete(id);
    await runner?.idle();
    await deadLetters.get(id)?.stop();
    deadLetters.delete(id);
  }

  async function heartbeat(): Promise<void> {
    // What was pushed is in `state`: this batch carries it.
    pending = new Map();
    await send(
      [...workers.keys()].map(
        (id) => [id, { ...state.get(id), ...options.collect?.(id) }] as [string, HeartbeatBody],
      ),
    );
  }

  function schedule(delay: number): void {
    clearTimeout(timer);
    if (running)
      timer = setTimeout(() => {
        ticking = heartbeat().then(
          () => {
            // Dead letters a failed round left behind go with the heartbeat.
            for (const sender of deadLetters.values()) sender.schedule();
            failures = 0;
            schedule(intervalMs);
          },
          (error: unknown) => {
            failures++;
            report(error);
            schedule(backoff());
          },
        );
      }, delay);
  }

  return {
    async start() {
      running = true;
      // Those that fail now are registered again when their heartbeat is answered unknown_worker.
      const outcomes = await Promise.allSettled([...workers.keys()].map(register));
      for (const outcome of outcomes) if (outcome.status === 'rejected') report(outcome.reason);
      for (const id of workers.keys()) live(id);
      schedule(intervalMs);
    },
    push,
    reportQueue: (id, queueStats) => push(id, { queueStats }),
    reportMetrics: (id, metrics) => push(id, { metrics }),
    reportResources: (id, resources) => push(id, { resources }),
    reportDeadLetters(id, queue, change) {
      if (!workers.has(id)) throw new Error(`No worker "${id}" in this fleet`);
      let sender = deadLetters.get(id);
      if (!sender) {
        const path = `/api/workers/${encodeURIComponent(id)}/dead-letters`;
        sender = createDeadLetterSender({
          post: (body) => request('POST', path, body),
          register: () => register(id),
          report,
        });
        deadLetters.set(id, sender);
      }
      sender.add(queue, change);
      if (running) sender.schedule();
    },
    async add(worker, actions = []) {
      if (workers.has(worker.id)) throw new Error(`Worker "${worker.id}" is in this fleet already`);
      workers.set(worker.id, worker);
      if (actions.length > 0) {
        const runner = createActionRunner({
          answer: (actionId, result) =>
            postResult(
              (path, body) => request('POST', path, body),
              worker.id,
              maxBackoffMs,
              actionId,
              result,
            ),
          report,
        });
        for (const action of actions) runner.add(action);
        acting.set(worker.id, runner);
      }
      if (!running) return;
      try {
        await register(worker.id);
      } finally {
        // Not registered: its next heartbeat, answered unknown_worker, registers it.
        live(worker.id);
      }
    },
    async remove(id) {
      if (!workers.delete(id)) return;
      state.delete(id);
      pending.delete(id);
      await quiet(id);
      if (running) await deregister(id);
    },
    heartbeat,
    async stop() {
      running = false;
      clearTimeout(timer);
      await ticking;
      await pusher.stop();
      await stream.stop();
      const quieted = await Promise.allSettled([...workers.keys()].map(quiet));
      for (const outcome of quieted) if (outcome.status === 'rejected') report(outcome.reason);
      const outcomes = await Promise.allSettled([...workers.keys()].map(deregister));
      for (const outcome of outcomes) if (outcome.status === 'rejected') report(outcome.reason);
    },
  };
}
