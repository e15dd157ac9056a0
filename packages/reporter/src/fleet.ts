import {
  type HeartbeatBatchResponse,
  type HeartbeatBody,
  LIMITS,
  type QueueStats,
  type RegisterWorkerBody,
  type RegisterWorkerResponse,
  type ResourceReport,
  type WorkerMetrics,
} from '@pulseboard/protocol';
import { createActionStream } from './action-stream.js';
import { createActionRunner, postResult, type ReporterAction } from './actions.js';
import { createDeadLetterSender, type DeadLetterChange } from './dead-letters.js';
import { backoffMs, type ConnectionOptions, requestJson } from './http.js';
import { coalesce, mergeHeartbeat, PUSH_GAP_MS } from './push.js';

/** One process reporting for several workers (a host's fleet, a queue-system adapter). */
export interface FleetReporterOptions extends ConnectionOptions {
  workers: RegisterWorkerBody[];
  /** Called before each interval's batch, per worker; what it returns is sent over the pushed state. */
  collect?: ((id: string) => HeartbeatBody | undefined) | undefined;
}

export interface FleetReporter {
  /** Registers every worker, then heartbeats them all in one `POST /api/heartbeats` per interval. */
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
   * With `actions`, it declares them and holds its own action stream, running their handlers as
   * `Reporter.onAction` does (a batch of heartbeats has no room for actions: no heartbeat fallback).
   */
  add(worker: RegisterWorkerBody, actions?: ReporterAction[]): Promise<void>;
  /** A worker leaving the fleet (a queue that went away): deregistered, and no longer heartbeated. */
  remove(id: string): Promise<void>;
  /** Sends every worker's heartbeat now. */
  heartbeat(): Promise<void>;
  /** Stops the timers and deregisters every worker. */
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
  /** The action side of each worker that declares actions: its handlers and its stream. */
  const acting = new Map<
    string,
    { runner: ReturnType<typeof createActionRunner>; stream: ReturnType<typeof createActionStream> }
  >();
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

  async function register(id: string): Promise<void> {
    const worker = workers.get(id);
    // Removed while a batch naming it was on its way.
    if (!worker) return;
    const { resources: _, ...figures } = state.get(id) ?? {};
    const actions = acting.get(id)?.runner.declarations();
    const { response } = await request('POST', '/api/workers', {
      ...worker,
      ...figures,
      ...(actions ? { actions } : {}),
    });
    const body = (await response.json()) as RegisterWorkerResponse;
    intervalMs = options.heartbeatIntervalMs ?? body.heartbeatIntervalMs;
  }

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

  /** Starts `id`'s action stream and sends its waiting dead letters, once the server knows it. */
  function live(id: string): void {
    acting.get(id)?.stream.start();
    deadLetters.get(id)?.schedule();
  }

  /** Stops what `id` has on its way; its running actions are answered first. */
  async function quiet(id: string): Promise<void> {
    const side = acting.get(id);
    acting.delete(id);
    await side?.stream.stop();
    await side?.runner.idle();
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
      // Those not registered yet: their stream registers them when the server answers unknown_worker.
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
        const stream = createActionStream({
          url: base,
          path: encodeURIComponent(worker.id),
          token: options.token,
          fetch: doFetch,
          maxBackoffMs,
          onAction: (delivery) => runner.dispatch(delivery),
          onUnknownWorker: () => register(worker.id),
          onFallback: () => {},
          report,
        });
        acting.set(worker.id, { runner, stream });
      }
      if (!running) return;
      try {
        await register(worker.id);
      } finally {
        // Not registered: its stream registers it when the server answers unknown_worker.
        live(worker.id);
      }
    },
    async remove(id) {
      if (!workers.delete(id)) return;
      state.delete(id);
      pending.delete(id);
      await quiet(id);
      if (running) await request('DELETE', `/api/workers/${encodeURIComponent(id)}`);
    },
    heartbeat,
    async stop() {
      running = false;
      clearTimeout(timer);
      await ticking;
      await pusher.stop();
      const quieted = await Promise.allSettled([...workers.keys()].map(quiet));
      for (const outcome of quieted) if (outcome.status === 'rejected') report(outcome.reason);
      const outcomes = await Promise.allSettled(
        [...workers.keys()].map((id) => request('DELETE', `/api/workers/${encodeURIComponent(id)}`)),
      );
      for (const outcome of outcomes) if (outcome.status === 'rejected') report(outcome.reason);
    },
  };
}
