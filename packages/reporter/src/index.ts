import {
  type ErrorBody,
  type HeartbeatBody,
  LIMITS,
  type LogLevel,
  type LogLineInput,
  type RegisterWorkerBody,
  type RegisterWorkerResponse,
} from '@pulseboard/protocol';

/**
 * The worker side: registers, heartbeats on the server's interval,
 * re-registers when the server forgot it (404), backs off with jitter on
 * errors, batches log lines, deregisters on stop. Depends only on the global
 * `fetch` and the protocol (types and LIMITS), so a worker process pulls in nothing else.
 *
 * Every optional field also takes `undefined`, so `token: process.env.PULSE_WORKER_TOKEN`
 * type-checks under `exactOptionalPropertyTypes`.
 */
export interface ReporterOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8090` (a mounted server's with its basePath). */
  url: string;
  /** A worker token, when the server requires one. */
  token?: string | undefined;
  worker: RegisterWorkerBody;
  /** Called before each heartbeat; what it returns is sent (merged over `update()`'s state). */
  collect?: (() => HeartbeatBody | Promise<HeartbeatBody>) | undefined;
  /** Overrides the interval the server asks for. */
  heartbeatIntervalMs?: number | undefined;
  /** Longest wait between retries after errors. Default 30 s. */
  maxBackoffMs?: number | undefined;
  /** How long a log line may wait to be batched with others. Default 250 ms. */
  logFlushMs?: number | undefined;
  /** Log lines kept while the server is unreachable; the oldest are dropped past it. Default 5000. */
  logBufferMax?: number | undefined;
  onError?: ((error: Error) => void) | undefined;
  fetch?: typeof fetch | undefined;
}

export interface Reporter {
  /** Registers (retrying with backoff) and starts heartbeating. Resolves after the first registration. */
  start(): Promise<void>;
  /** State sent with the next heartbeats (status, metrics, queue stats, resources). */
  update(state: HeartbeatBody): void;
  /** Sends a heartbeat now. */
  heartbeat(): Promise<void>;
  log(level: LogLevel, message: string): void;
  flushLogs(): Promise<void>;
  /** Stops the timers, sends buffered logs and deregisters. */
  stop(): Promise<void>;
  /** Log lines dropped because the buffer was full. */
  readonly droppedLogs: number;
}

export class ReporterError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly code: string | null,
  ) {
    super(message);
  }
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

  /**
   * Sends one request; throws a ReporterError for an error answer. A 404 on a worker's own path is
   * returned instead, with `unknownWorker` true: the server forgot the worker (a restart, or it expired),
   * and the caller registers again.
   */
  async function request(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ response: Response; unknownWorker: boolean }> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const response = await doFetch(`${base}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.ok) return { response, unknownWorker: false };
    const error = (await response.json().catch(() => null)) as ErrorBody | null;
    const code = error?.error?.code ?? null;
    if (response.status === 404 && code === 'unknown_worker') return { response, unknownWorker: true };
    // Any other 404 is not the worker API: a wrong url, or a mounted server's basePath left out of it.
    const hint =
      response.status === 404
        ? `; is ${base} a Pulseboard server's base URL (for a mounted one, with its basePath, e.g. https://app.example.com/pulse)?`
        : '';
    throw new ReporterError(
      `${method} ${path}: ${response.status} ${error?.error?.message ?? response.statusText}${hint}`,
      response.status,
      code,
    );
  }

  /** Exponential backoff with full jitter, so a fleet does not retry in lockstep. */
  const backoff = () => Math.random() * Math.min(maxBackoffMs, 500 * 2 ** Math.min(failures, 16));

  async function register(): Promise<void> {
    const { response } = await request('POST', '/api/workers', {
      ...options.worker,
      ...state,
      resources: undefined,
    });
    const body = (await response.json()) as RegisterWorkerResponse;
    intervalMs = options.heartbeatIntervalMs ?? body.heartbeatIntervalMs;
  }

  async function sendHeartbeat(): Promise<void> {
    const collected = (await options.collect?.()) ?? {};
    const { unknownWorker } = await request('POST', `/api/workers/${id}/heartbeat`, {
      ...state,
      ...collected,
    });
    // The server restarted or expired us: register again, then carry on.
    if (unknownWorker) await register();
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
      // Lines left over from a failed flush go out with the heartbeat.
      if (logs.length > 0) await flushLogs();
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
    },
    update(next) {
      state = { ...state, ...next };
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
      try {
        await flushLogs();
      } finally {
        clearTimeout(logTimer);
        await request('DELETE', `/api/workers/${id}`);
      }
    },
  };
}
