import type { ActionDelivery, ErrorBody } from '@pulseboard/protocol';
import { backoffMs } from './http.js';
import { createSseParser } from './sse.js';

/** Failed connections in a row after which actions are taken in heartbeat answers meanwhile. */
const FAILURES_BEFORE_FALLBACK = 3;

export interface ActionStreamOptions {
  url: string;
  /** The stream's path: `/api/workers/:id/actions`, or a fleet's `/api/fleets/:id/actions`. */
  path: string;
  token: string | undefined;
  fetch: typeof fetch;
  maxBackoffMs: number;
  onAction: (delivery: ActionDelivery) => void;
  /** The server does not know the worker: register again before the next attempt (a fleet's stream: never). */
  onUnknownWorker?: () => Promise<void>;
  /** Whether heartbeats should carry the actions meanwhile (the stream is not held, or not served). */
  onFallback: (fallback: boolean) => void;
  report: (error: unknown) => void;
}

/**
 * Holds `GET /api/workers/:id/actions` (or a fleet's): reconnects with backoff, resuming
 * from the last id received (`Last-Event-ID`), so the server sends again what
 * a dropped connection lost and nothing the worker had. A server without the
 * route (404 not_found, 405, 501), or a stream that keeps failing, turns on
 * heartbeat delivery until a stream is held again.
 */
export function createActionStream(options: ActionStreamOptions) {
  let lastEventId: string | undefined;
  let failures = 0;
  let controller: AbortController | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  /** One connection, until it ends; throws why it failed. */
  async function connect(): Promise<void> {
    controller = new AbortController();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
    const response = await options.fetch(`${options.url}${options.path}`, {
      headers,
      signal: controller.signal,
    });
    if (!response.ok || !response.body) {
      const error = (await response.json().catch(() => null)) as ErrorBody | null;
      const code = error?.error?.code;
      if (response.status === 404 && code === 'unknown_worker' && options.onUnknownWorker) {
        await options.onUnknownWorker();
        return;
      }
      // A server from before actions: heartbeats carry them, if it knows how (else nothing comes).
      if (
        (response.status === 404 && code === 'not_found') ||
        response.status === 405 ||
        response.status === 501
      ) {
        options.onFallback(true);
        failures = FAILURES_BEFORE_FALLBACK;
      }
      throw new Error(`GET ${options.path}: ${response.status} ${error?.error?.message ?? ''}`);
    }
    let ready = false;
    const parser = createSseParser((message) => {
      if (message.id !== undefined) lastEventId = message.id;
      if (message.event === 'ready') {
        ready = true;
        failures = 0;
        options.onFallback(false);
      } else if (message.event === 'action') {
        options.onAction(JSON.parse(message.data) as ActionDelivery);
      }
    });
    const decoder = new TextDecoder();
    for await (const chunk of response.body)
      parser.push(decoder.decode(chunk as Uint8Array, { stream: true }));
    // Something between answered and hung up: a failure, so the next attempt backs off rather than spins.
    if (!ready) throw new Error(`GET ${options.path} ended before the stream was ready`);
  }

  async function run(): Promise<void> {
    while (running) {
      try {
        await connect();
      } catch (error) {
        if (!running) return;
        failures++;
        if (failures >= FAILURES_BEFORE_FALLBACK) options.onFallback(true);
        options.report(error);
      }
      if (running) await sleep(failures === 0 ? 0 : backoffMs(failures, options.maxBackoffMs));
    }
  }

  return {
    start(): void {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop(): Promise<void> {
      running = false;
      controller?.abort();
      wake?.();
      await loop;
    },
  };
}
