import {
  type ActionDeclaration,
  type ActionResultBody,
  type HeartbeatBody,
  type HeartbeatResponse,
  LIMITS,
  type LogLevel,
  type LogLineInput,
  type QueueStats,
  type RegisterWorkerBody,
  type RegisterWorkerResponse,
  type ResourceReport,
  type WorkerMetrics,
} from '@pulseboard/protocol';
import { createActionStream } from './action-stream.js';
import { type ActionHandler, createActionRunner, postResult, type ReporterAction } from './actions.js';
import { createDeadLetterSender, type DeadLetterChange } from './dead-letters.js';
import { backoffMs, type ConnectionOptions, requestJson } from './http.js';
import { coalesce, mergeHeartbeat, PUSH_GAP_MS } from './push.js';

export type { ActionContext, ActionHandler, ActionHandlerResult, ReporterAction } from './actions.js';
export type { DeadLetterChange } from './dead-letters.js';
export { createFleetReporter, type FleetReporter, type FleetReporterOptions } from './fleet.js';
export { type ConnectionOptions, ReporterError } from './http.js';
export { mergeHeartbeat, PUSH_GAP_MS } from './push.js';

/**
 * The worker side: registers, heartbeats on the server's interval,
 * re-registers when the server forgot it (404), backs off with jitter on
 * errors, batches log lines, deregisters on stop. Depends only on the global
 * `fetch` and the protocol (types and LIMITS), so a worker process pulls in nothing else.
 *
 * Every optional field also takes `undefined`, so `token: process.env.PULSE_WORKER_TOKEN`
 * type-checks under `exactOptionalPropertyTypes`.
 */
export interface ReporterOptions extends ConnectionOptions {
  worker: RegisterWorkerBody;
  /** Called before each heartbeat; what it returns is sent (merged over `update()`'s state). */
  collect?: (() => HeartbeatBody | Promise<HeartbeatBody>) | undefined;
  /** How long a log line may wait to be batched with others. Default 250 ms. */
  logFlushMs?: number | undefined;
  /** Log lines kept while the server is unreachable; the oldest are dropped past it. Default 5000. */
  logBufferMax?: number | undefined;
  /** Actions operators may ask of this worker, each with its handler (more with `onAction`). */
  actions?: ReporterAction[] | undefined;
}

export interface Reporter {
  /** Registers (retrying with backoff) and starts heartbeating. Resolves after the first registration. */
  start(): Promise<void>;
  /** State sent with the next heartbeats (status, metrics, queue stats, resources). */
  update(state: HeartbeatBody): void;
  /**
   * A change to send now: merged field by field into the state the heartbeats carry, and sent as a
   * partial heartbeat, coalesced to at most one request per 100 ms (latest value per field wins).
   */
  push(change: HeartbeatBody): void;
  /** `push({ queueStats })`: e.g. `reportQueue({ depth: 12 })` or `reportQueue({ deadLetter: 3 })`. */
  reportQueue(stats: Partial<QueueStats>): void;
  /** `push({ metrics })`. */
  reportMetrics(metrics: Partial<WorkerMetrics>): void;
  /** `push({ resources })`: resources this worker sees, merged by id. */
  reportResources(resources: ResourceReport[]): void;
  /**
   * A change to the dead letters of `queue` (this worker's): failed jobs `added`, ids `removed` (retried,
   * deleted), or `replace` the list. Merged per queue (per id the latest wins) and sent like `push`, at
   * most one round per 100 ms, split to fit the server's caps; long stacks and big payloads are clipped
   * here, as the server would. A failed send is retried with the next heartbeat.
   */
  reportDeadLetters(queue: string, change: DeadLetterChange): void;
  /** Sends a heartbeat now. */
  heartbeat(): Promise<void>;
  log(level: LogLevel, message: string): void;
  flushLogs(): Promise<void>;
  /**
   * Declares an action (a name alone: a `worker` action labelled with its name) and the handler that
   * performs it. Its return value, or the error it throws, is the answer. Declared after `start()`,
   * the worker registers again to tell the server.
   */
  onAction(
    action: string | ActionDeclaration,
    handler: ActionHandler,
    options?: { concurrent?: boolean },
  ): void;
  /** Stops the timers and the action stream, waits for running actions' answers, sends buffered logs and deregisters. */
  stop(): Promise<void>;
  /** Log lines dropped because the buffer was full. */
  readonly droppedLogs: number;
}

const LOG_BATCH = LIMITS.logBatchMax;

export function createReporter(options: ReporterOptions): Reporter {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  const logBufferMax = options.logBufferMax ?? 5000;
  // A valid id is already safe in a path (`:` included), and sent as is it takes the server's heartbeat lane.
  const id = LIMITS.idPattern.test(options.worker.id)
    ? options.worker.id
    : encodeURIComponent(options.worker.id);
  let intervalMs = options.heartbeatIntervalMs ?? 5000;
  let state: HeartbeatBody = {};
  let logs: LogLineInput[] = [];
  let droppedLogs = 0;
  let failures = 0;
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let logTimer: ReturnType<typeof setTimeout> | undefined;

  const report = (error: unknown) =>
    options.onError?.(error instanceof Error ? error : new Error(String(error)));

  const answer = (actionId: string, result: ActionResultBody) =>
    postResult(
      (path, body) => request('POST', path, body),
      options.worker.id,
      maxBackoffMs,
      actionId,
      result,
    );
  const runner = createActionRunner({ answer, report });
  for (const action of options.actions ?? []) runner.add(action);
  /** Whether heartbeats take the actions (no stream held). */
  let takeActions = false;
  const stream = createActionStream({
    url: base,
    path: `/api/workers/${encodeURIComponent(id)}/actions`,
    token: options.token,
    fetch: doFetch,
    maxBackoffMs,
    onAction: (delivery) => runner.dispatch(delivery),
    onUnknownWorker: () => register(),
    onFallback: (fallback) => {
      takeActions = fallback;
    },
    report,
  });

  const request = (method: string, path: string, body?: unknown) =>
    requestJson(doFetch, base, path, options.token, method, body);
  const backoff = () => backoffMs(failures, maxBackoffMs);

  async function register(): Promise<void> {
    const { response } = await request('POST', '/api/workers', {
      ...options.worker,
      ...state,
      resources: undefined,
      // Only with actions: a server from before them refuses the field.
      ...(runner.size > 0 ? { actions: runner.declarations() } : {}),
    });
    const body = (await response.json()) as RegisterWorkerResponse;
    intervalMs = options.heartbeatIntervalMs ?? body.heartbeatIntervalMs;
  }

  async function sendHeartbeat(): Promise<void> {
    // What was pushed is in `state`: this heartbeat carries it.
    pending = null;
    const collected = (await options.collect?.()) ?? {};
    const taking = takeActions && runner.size > 0;
    const { response, unknownWorker } = await request('POST', `/api/workers/${id}/heartbeat`, {
      ...state,
      ...collected,
      ...(taking ? { takeActions: true } : {}),
    });
    // The server restarted or expired us: register again, then carry on.
    if (unknownWorker) await register();
    else if (taking) {
      for (const delivery of ((await response.json()) as HeartbeatResponse).actions ?? [])
        runner.dispatch(delivery);
    }
  }

  /** Pushed changes not sent yet, merged. */
  let pending: HeartbeatBody | null = null;
  const pusher = coalesce(
    async () => {
      const change = pending;
      pending = null;
      if (!change) return;
      const { unknownWorker } = await request('POST', `/api/workers/${id}/heartbeat`, change);
      // Registering sends `state`, which holds the change.
      if (unknownWorker) await register();
    },
    PUSH_GAP_MS,
    report,
  );

  const deadLetters = createDeadLetterSender({
    post: (body) => request('POST', `/api/workers/${id}/dead-letters`, body),
    register,
    report,
  });

  function push(change: HeartbeatBody): void {
    state = mergeHeartbeat(state, change);
    // Before start() the registration carries it.
    if (!running) return;
    pending = mergeHeartbeat(pending ?? {}, change);
    pusher.schedule();
  }

  /** The timer's heartbeat on its way, if any (tick never rejects): stop() waits for it. */
  let ticking: Promise<void> = Promise.resolve();

  function schedule(delay: number): void {
    clearTimeout(timer);
    if (running)
      timer = setTimeout(() => {
        ticking = tick();
      }, delay);
  }

  async function tick(): Promise<void> {
    try {
      await sendHeartbeat();
      // Lines left over from a failed flush go out with the heartbeat, and dead letters that failed.
      if (logs.length > 0) await flushLogs();
      deadLetters.schedule();
      failures = 0;
      schedule(intervalMs);
    } catch (error) {
      failures++;
      report(error);
      schedule(backoff());
    }
  }

  /** The flush on its way: a second caller joins it rather than sending the same batch again. */
  let flushing: Promise<void> | undefined;

  function flushLogs(): Promise<void> {
    clearTimeout(logTimer);
    logTimer = undefined;
    flushing ??= sendLogs().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  /** Sends the buffer in batches, lines logged meanwhile included. */
  async function sendLogs(): Promise<void> {
    while (logs.length > 0) {
      const batch = logs.slice(0, LOG_BATCH);
      const { unknownWorker } = await request('POST', `/api/workers/${id}/logs`, { entries: batch });
      if (unknownWorker) {
        await register();
        await request('POST', `/api/workers/${id}/logs`, { entries: batch });
      }
      logs = logs.slice(batch.length);
    }
  }

  return {
    get droppedLogs() {
      return droppedLogs;
    },
    async start() {
      running = true;
      for (;;) {
        try {
          await register();
          failures = 0;
          break;
        } catch (error) {
          failures++;
          report(error);
          if (!running) return;
          await new Promise((resolve) => setTimeout(resolve, backoff()));
          if (!running) return;
        }
      }
      schedule(intervalMs);
      // Reported before start: sent now that the server knows the worker.
      deadLetters.schedule();
      if (runner.size > 0) stream.start();
    },
    onAction(action, handler, extra = {}) {
      const declaration =
        typeof action === 'string' ? { name: action, target: 'worker' as const, label: action } : action;
      runner.add({ ...declaration, handler, ...extra });
      if (!running) return;
      register().catch(report);
      stream.start();
    },
    update(next) {
      state = { ...state, ...next };
    },
    push,
    reportQueue: (queueStats) => push({ queueStats }),
    reportMetrics: (metrics) => push({ metrics }),
    reportResources: (resources) => push({ resources }),
    reportDeadLetters(queue, change) {
      deadLetters.add(queue, change);
      if (running) deadLetters.schedule();
    },
    heartbeat: sendHeartbeat,
    log(level, message) {
      logs.push({ level, message: message.slice(0, LIMITS.logMessageMax), at: Date.now() });
      if (logs.length > logBufferMax) {
        droppedLogs += logs.length - logBufferMax;
        logs = logs.slice(-logBufferMax);
      }
      logTimer ??= setTimeout(() => flushLogs().catch(report), options.logFlushMs ?? 250);
    },
    flushLogs,
    async stop() {
      running = false;
      clearTimeout(timer);
      // A heartbeat still on its way would land after the DELETE, get a 404 and register the worker again.
      await ticking;
      await stream.stop();
      await runner.idle();
      await pusher.stop();
      try {
        await deadLetters.stop();
        await flushLogs();
      } finally {
        clearTimeout(logTimer);
        await request('DELETE', `/api/workers/${id}`);
      }
    },
  };
}
