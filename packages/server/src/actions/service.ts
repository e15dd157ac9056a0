import { randomUUID } from 'node:crypto';
import {
  ACTION_OUTCOMES,
  type Action,
  type ActionDelivery,
  type ActionResultBody,
  type RequestActionBody,
  PROTOCOL_VERSION as v,
  type Worker,
} from '@pulseboard/protocol';
import type { Logger } from 'pino';
import { HttpError } from '../errors.js';
import type { LoggedEventInput } from '../events.js';
import { type ActionStore, type DeliveredAction, TooManyOpenActionsError } from '../store/action-store.js';
import type { EventLog } from '../store/types.js';
import { checkParams } from './params.js';
import { createRateLimit } from './rate.js';

/** Open actions one worker may have; past it a request is refused (429) rather than queued without end. */
export const MAX_OPEN_PER_WORKER = 100;
/** Streams one worker (or fleet) id may hold on an instance; a newer one ends the oldest (a worker holds one). */
export const MAX_STREAMS_PER_WORKER = 4;
/** Requests one token may make per window, per instance; past it 429 with Retry-After. */
export const REQUESTS_PER_WINDOW = { max: 30, windowMs: 10_000 };

export interface ActionsOptions {
  store: ActionStore;
  eventLog: Pick<EventLog, 'subscribe'>;
  /** Where the registered workers are (`worker(id)`: the worker, if any; `fleetWorkerIds(fleet)`: a fleet's). */
  registry: {
    worker(id: string): Promise<Worker | undefined>;
    fleetWorkerIds(fleet: string): Promise<string[]>;
  };
  logger: Logger;
  timeoutMs: number;
  now?: () => number;
}

/** Where a worker's stream on this instance gets its actions. */
export interface ActionSink {
  send(delivery: DeliveredAction): void;
  /** Ends the stream (the server is closing). */
  end(): void;
}

/** What a worker is handed: the action without the server's bookkeeping. */
export const toDelivery = (action: Action): ActionDelivery => ({
  id: action.id,
  worker: action.worker,
  action: action.action,
  target: action.target,
  queue: action.queue,
  params: action.params,
  by: action.by,
  requestedAt: action.requestedAt,
  expiresAt: action.expiresAt,
});

const requested = (action: Action): LoggedEventInput => ({ type: 'action_requested', data: { v, action } });
const completed = (action: Action): LoggedEventInput => ({ type: 'action_completed', data: { v, action } });

/**
 * Operator actions from request to outcome: checks a request against the
 * worker's declaration, hands actions to the worker's stream on this instance
 * (or its heartbeat), records answers and timeouts, and logs each step. The
 * store makes every step atomic across instances; this class keeps only the
 * streams held here.
 */
export class Actions {
  readonly #store: ActionStore;
  readonly #registry: ActionsOptions['registry'];
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #rate: ReturnType<typeof createRateLimit>;
  /** This instance's streams per worker, oldest first; the newest gets the deliveries. */
  readonly #streams = new Map<string, ActionSink[]>();
  /** This instance's streams per fleet: they get the actions of the fleet's workers that hold none of their own. */
  readonly #fleets = new Map<string, ActionSink[]>();
  /**
   * Per worker (or `fleet <id>`: no worker id has a space), the delivery work in progress: one at a
   * time, so a stream gets its actions in number order.
   */
  readonly #pumps = new Map<string, Promise<void>>();
  readonly #unsubscribe: () => void;

  constructor(options: ActionsOptions) {
    this.#store = options.store;
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#timeoutMs = options.timeoutMs;
    this.#now = options.now ?? Date.now;
    this.#rate = createRateLimit({ ...REQUESTS_PER_WINDOW, now: this.#now });
    // A request on any instance reaches every instance's feed: the one holding the worker's stream delivers it.
    this.#unsubscribe = options.eventLog.subscribe((event) => {
      const worker = event.type === 'action_requested' ? event.data.action.worker : undefined;
      if (worker !== undefined && (this.#streams.has(worker) || this.#fleets.size > 0)) this.pump(worker);
    });
  }

  /** Checks `body` against the worker's declaration and stores it pending; throws the 4xx it earns. */
  async request(by: string, body: RequestActionBody): Promise<Action> {
    const retryAfter = this.#rate.hit(by);
    if (retryAfter > 0) {
      throw new HttpError(429, 'rate_limited', 'Too many action requests from this token', undefined, {
        'Retry-After': String(retryAfter),
      });
    }
    const worker = await this.#registry.worker(body.worker);
    if (!worker) throw new HttpError(404, 'unknown_worker', `No worker "${body.worker}" is registered`);
    const declaration = (worker.actions ?? []).find((action) => action.name === body.action);
    if (!declaration) {
      throw new HttpError(404, 'unknown_action', `Worker "${worker.id}" declares no action "${body.action}"`);
    }
    const params = body.params ?? {};
    const issues = checkParams(declaration, params);
    if (body.target !== undefined && body.target !== declaration.target) {
      issues.unshift({ path: 'target', message: `"${declaration.name}" acts on ${declaration.target}` });
    }
    if (issues.length > 0) {
      throw new HttpError(
        400,
        'invalid_params',
        'The request does not fit the declaration',
        issues.slice(0, 20),
      );
    }
    if (worker.status === 'offline') {
      throw new HttpError(409, 'worker_offline', `Worker "${worker.id}" is offline`);
    }
    const now = this.#now();
    const action: Action = {
      id: randomUUID(),
      worker: worker.id,
      action: declaration.name,
      target: declaration.target,
      queue: worker.queue,
      params,
      by,
      status: 'pending',
      requestedAt: now,
      expiresAt: now + this.#timeoutMs,
      deliveredAt: null,
      completedAt: null,
      durationMs: null,
      message: null,
      data: null,
    };
    try {
      await this.#store.request(action, requested(action), MAX_OPEN_PER_WORKER);
    } catch (err) {
      if (!(err instanceof TooManyOpenActionsError)) throw err;
      throw new HttpError(429, 'too_many_actions', `${err.message}; wait for them to complete`, undefined, {
        'Retry-After': String(Math.ceil(this.#timeoutMs / 1000)),
      });
    }
    this.#logger.info(
      { action: action.id, worker: action.worker, name: action.action, params, by },
      'action requested',
    );
    return action;
  }

  /** Records a worker's answer; 404 for an unknown id, 403 from another worker, 409 when already completed. */
  async answer(id: string, body: ActionResultBody): Promise<Action> {
    const action = await this.#store.get(id);
    if (!action) throw new HttpError(404, 'unknown_action', `No action "${id}" (unknown, or long completed)`);
    if (body.worker !== undefined && body.worker !== action.worker) {
      throw new HttpError(403, 'wrong_worker', `Action "${id}" is for worker "${action.worker}"`);
    }
    const now = this.#now();
    const done = this.#completion(action, now, body.ok ? 'ok' : 'error', body.message ?? null);
    done.data = body.data ?? null;
    if ((ACTION_OUTCOMES as readonly string[]).includes(action.status) || !(await this.#complete(done))) {
      throw new HttpError(409, 'already_completed', `Action "${id}" is completed already`);
    }
    return done;
  }

  list(limit: number): Promise<Action[]> {
    return this.#store.list(limit);
  }

  /** Completes as `timeout` every open action past its time; across instances each one once. */
  async expire(): Promise<void> {
    const now = this.#now();
    for (const action of await this.#store.expired(now)) {
      const seconds = this.#timeoutMs / 1000;
      const message =
        action.status === 'pending'
          ? `No worker took it within ${seconds} s`
          : `The worker did not answer within ${seconds} s`;
      await this.#complete(this.#completion(action, now, 'timeout', message));
    }
  }

  /** A heartbeat's share: the worker's pending actions, delivered in its answer. */
  async take(worker: string): Promise<ActionDelivery[]> {
    const delivered = await this.#store.claim(worker, this.#now(), 'heartbeat');
    for (const { action } of delivered) this.#logDelivered(action, 'heartbeat');
    return delivered.map(({ action }) => toDelivery(action));
  }

  /**
   * Adds a stream of `worker` held here. First (in the worker's delivery order) it gets what a
   * stream of this worker was sent after `resumeAfter` and not answered (a resume); then the pending
   * ones. Returns the detach.
   */
  attach(worker: string, sink: ActionSink, resumeAfter: number | null): () => void {
    return this.#hold(this.#streams, worker, sink, resumeAfter, async () => [worker]);
  }

  /**
   * Adds a stream of fleet `fleet` held here: as `attach`, for every worker registered with that fleet
   * (one stream for a process reporting 1,000 workers, not 1,000). A worker's own stream comes first.
   */
  attachFleet(fleet: string, sink: ActionSink, resumeAfter: number | null): () => void {
    return this.#hold(this.#fleets, fleet, sink, resumeAfter, () => this.#registry.fleetWorkerIds(fleet));
  }

  /** The delivery number a new stream starts from: what it gets later is numbered above it. */
  latestSeq(): Promise<number> {
    return this.#store.latestSeq();
  }

  /** Hands the worker's pending actions to its newest stream here (its own, else its fleet's), if any. */
  pump(worker: string): void {
    this.#enqueue(worker, async () => {
      const newest = await this.#holder(worker);
      if (!newest) return;
      for (const delivery of await this.#store.claim(worker, this.#now(), 'stream')) {
        // Sent to the newest stream, or to none if it closed meanwhile: a resume sends it again.
        newest()?.send(delivery);
        this.#logDelivered(delivery.action, 'stream');
      }
    });
  }

  /** Pumps every worker of the fleet (its stream's keep-alive: a request announced while storage was away). */
  pumpFleet(fleet: string): void {
    this.#enqueue(`fleet ${fleet}`, async () => {
      for (const worker of await this.#registry.fleetWorkerIds(fleet)) this.pump(worker);
    });
  }

  /** Stops delivering and ends the streams held here; their workers reconnect elsewhere. */
  close(): void {
    this.#unsubscribe();
    for (const held of [this.#streams, this.#fleets]) {
      for (const sinks of held.values()) for (const sink of sinks) sink.end();
      held.clear();
    }
  }

  /** Adds `sink` to `key`'s streams in `held`, sends it what `members` missed since `resumeAfter`, and pumps them. */
  #hold(
    held: Map<string, ActionSink[]>,
    key: string,
    sink: ActionSink,
    resumeAfter: number | null,
    members: () => Promise<string[]>,
  ): () => void {
    const sinks = held.get(key) ?? [];
    sinks.push(sink);
    // Detached by its close; what it was sent and not answered goes to whichever stream resumes.
    if (sinks.length > MAX_STREAMS_PER_WORKER) sinks[0]?.end();
    held.set(key, sinks);
    this.#enqueue(held === this.#fleets ? `fleet ${key}` : key, async () => {
      for (const worker of await members()) {
        if (resumeAfter !== null) {
          for (const delivery of await this.#store.unanswered(worker, resumeAfter)) sink.send(delivery);
        }
        this.pump(worker);
      }
    });
    return () => {
      const left = (held.get(key) ?? []).filter((other) => other !== sink);
      if (left.length) held.set(key, left);
      else held.delete(key);
    };
  }

  /** The newest stream here that takes `worker`'s actions: its own, else its fleet's; none: undefined. */
  async #holder(worker: string): Promise<(() => ActionSink | undefined) | undefined> {
    if (this.#streams.has(worker)) return () => this.#streams.get(worker)?.at(-1);
    // No fleet stream here: no need to read the worker.
    if (this.#fleets.size === 0) return undefined;
    const fleet = (await this.#registry.worker(worker))?.fleet;
    if (fleet === undefined || !this.#fleets.has(fleet)) return undefined;
    return () => this.#fleets.get(fleet)?.at(-1);
  }

  #enqueue(worker: string, job: () => Promise<void>): void {
    const run = (this.#pumps.get(worker) ?? Promise.resolve())
      .then(job)
      .catch((err: unknown) =>
        // Left pending (storage away): the stream's next keep-alive pumps again.
        this.#logger.warn({ err, worker }, 'could not deliver actions'),
      )
      .finally(() => {
        if (this.#pumps.get(worker) === run) this.#pumps.delete(worker);
      });
    this.#pumps.set(worker, run);
  }

  #completion(action: Action, now: number, status: Action['status'], message: string | null): Action {
    return {
      ...action,
      status,
      completedAt: now,
      durationMs: now - action.requestedAt,
      message,
    };
  }

  async #complete(action: Action): Promise<boolean> {
    if (!(await this.#store.complete(action, completed(action)))) return false;
    this.#logger.info(
      {
        action: action.id,
        worker: action.worker,
        name: action.action,
        by: action.by,
        outcome: action.status,
        durationMs: action.durationMs,
        message: action.message,
      },
      'action completed',
    );
    return true;
  }

  #logDelivered(action: Action, via: 'stream' | 'heartbeat'): void {
    this.#logger.debug({ action: action.id, worker: action.worker, via }, 'action delivered');
  }
}
