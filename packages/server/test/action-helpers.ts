import { after } from 'node:test';
import type { ActionDelivery, RegisterWorkerBody } from '@pulseboard/protocol';
import type { Api } from './helpers.js';

/** A worker declaring a queue action, a dead-letter action with parameters, and a worker action. */
export const declaringWorker = (
  id: string,
  overrides: Partial<RegisterWorkerBody> = {},
): RegisterWorkerBody => ({
  id,
  queue: 'email',
  status: 'healthy',
  actions: [
    { name: 'pause', target: 'queue', label: 'Pause' },
    {
      name: 'purge',
      target: 'deadLetters',
      label: 'Purge',
      confirm: 'Purge every dead letter?',
      dangerous: true,
      params: {
        olderThanSec: { type: 'number', minimum: 0, maximum: 86_400, integer: true, required: true },
        reason: { type: 'string', maxLength: 20 },
        mode: { type: 'enum', values: ['soft', 'hard'] },
        dryRun: { type: 'boolean' },
      },
    },
    { name: 'drain', target: 'worker', label: 'Drain' },
  ],
  ...overrides,
});

export interface ActionFrame {
  id: string | null;
  event: string;
  data: unknown;
}

const open = new Set<ActionStream>();
after(() => {
  for (const stream of open) stream.close();
});

/**
 * A worker's action stream read frame by frame over a real socket (fetch), so a test decides
 * exactly when it disconnects and which Last-Event-ID it resumes with.
 */
export class ActionStream {
  readonly frames: ActionFrame[] = [];
  status = 0;
  readonly #abort = new AbortController();
  #waiters = new Set<() => void>();
  ended = false;

  /** The stream of `worker`, or with `fleet` of the fleet of that id. */
  static async open(
    url: string,
    worker: string,
    options: { token?: string; lastEventId?: string; fleet?: boolean } = {},
  ): Promise<ActionStream> {
    const stream = new ActionStream();
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
    const response = await fetch(`${url}/api/${options.fleet ? 'fleets' : 'workers'}/${worker}/actions`, {
      headers,
      signal: stream.#abort.signal,
    });
    stream.status = response.status;
    if (!response.ok || !response.body) {
      await response.text();
      return stream;
    }
    open.add(stream);
    void stream.#read(response.body);
    await stream.next('ready');
    return stream;
  }

  /** The actions received, in order. */
  get actions(): (ActionDelivery & { seq: string })[] {
    return this.frames
      .filter((frame) => frame.event === 'action')
      .map((frame) => ({ ...(frame.data as ActionDelivery), seq: frame.id as string }));
  }

  /** The id an EventSource would resume from: the last `id:` received. */
  get lastEventId(): string | undefined {
    return this.frames.findLast((frame) => frame.id !== null)?.id ?? undefined;
  }

  async next(event: string, match: (frame: ActionFrame) => boolean = () => true, timeoutMs = 5000) {
    const find = () => this.frames.find((frame) => frame.event === event && match(frame));
    await this.until(() => find() !== undefined, event, timeoutMs);
    return find() as ActionFrame;
  }

  async until(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`Timed out waiting for ${what}; got ${JSON.stringify(this.frames)}`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  close(): void {
    this.#abort.abort();
    open.delete(this);
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          const event = fields.get('event');
          if (!event) continue;
          this.frames.push({
            id: fields.get('id') ?? null,
            event,
            data: JSON.parse(fields.get('data') ?? 'null'),
          });
          for (const waiter of [...this.#waiters]) waiter();
        }
      }
    } catch {
      // Aborted by close(), or the server ended it.
    }
    this.ended = true;
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Requests `action` of `worker` and returns its id (asserting the 202). */
export async function requestAction(
  api: Api,
  worker: string,
  action: string,
  params?: object,
): Promise<string> {
  const response = await api.post('/api/actions', { worker, action, ...(params ? { params } : {}) });
  if (response.status !== 202)
    throw new Error(`request ${action}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}
