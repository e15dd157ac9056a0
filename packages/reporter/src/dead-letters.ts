import {
  clipDeadLetter,
  DEAD_LETTER_LIMITS,
  type DeadLetterInput,
  type DeadLettersBody,
} from '@pulseboard/protocol';
import { ReporterError } from './http.js';
import { coalesce, PUSH_GAP_MS } from './push.js';

/** A change to a queue's dead letters, as `reportDeadLetters` takes it. */
export interface DeadLetterChange {
  /** Failed jobs to show (an id already listed is replaced). */
  added?: DeadLetterInput[] | undefined;
  /** Ids of jobs that left the dead-letter queue (retried, deleted). */
  removed?: string[] | undefined;
  /** The list becomes `added`: send it whole after a restart. */
  replace?: boolean | undefined;
}

/**
 * JSON characters per request at most: under the server's default batch body limit (1 MiB) with room
 * for multi-byte characters in most text.
 */
const REQUEST_CHARS = 512 * 1024;

/** One queue's changes not sent yet, merged: per id the latest wins, a replace drops what came before. */
class Pending {
  replace = false;
  readonly added = new Map<string, DeadLetterInput>();
  readonly removed = new Set<string>();

  merge(change: DeadLetterChange): void {
    if (change.replace) {
      this.replace = true;
      this.added.clear();
      this.removed.clear();
    }
    for (const id of change.removed ?? []) {
      this.added.delete(id);
      // After a replace, a removed id simply is not in the list that replaces it.
      if (!this.replace) this.removed.add(id);
    }
    for (const entry of change.added ?? []) {
      this.removed.delete(entry.id);
      // Clipped here, so a megabyte stack never leaves the process (the server clips the same way).
      this.added.set(entry.id, clipDeadLetter(entry));
    }
  }

  /** Request bodies within the server's caps, in order: the first carries `replace` and the removals. */
  bodies(queue: string): DeadLettersBody[] {
    const removed = [...this.removed];
    const bodies: DeadLettersBody[] = [];
    let body: DeadLettersBody = {
      queue,
      replace: this.replace,
      removed: removed.slice(0, DEAD_LETTER_LIMITS.removeMax),
    };
    for (
      let from = DEAD_LETTER_LIMITS.removeMax;
      from < removed.length;
      from += DEAD_LETTER_LIMITS.removeMax
    ) {
      bodies.push(body);
      body = { queue, removed: removed.slice(from, from + DEAD_LETTER_LIMITS.removeMax) };
    }
    let added: DeadLetterInput[] = [];
    let chars = 0;
    for (const entry of this.added.values()) {
      const size = JSON.stringify(entry).length;
      if (added.length >= DEAD_LETTER_LIMITS.batchMax || (added.length > 0 && chars + size > REQUEST_CHARS)) {
        bodies.push({ ...body, added });
        body = { queue };
        added = [];
        chars = 0;
      }
      added.push(entry);
      chars += size;
    }
    if (added.length > 0) body.added = added;
    bodies.push(body);
    return bodies;
  }
}

/**
 * Dead-letter changes on their way to the server: merged per queue until
 * sent, then as request bodies in order. A body that failed stays first, so
 * the next attempt sends the changes in the order they were made.
 */
export class DeadLetterOutbox {
  readonly #pending = new Map<string, Pending>();
  readonly #ready: DeadLettersBody[] = [];

  add(queue: string, change: DeadLetterChange): void {
    let pending = this.#pending.get(queue);
    if (!pending) {
      pending = new Pending();
      this.#pending.set(queue, pending);
    }
    pending.merge(change);
  }

  get empty(): boolean {
    return this.#pending.size === 0 && this.#ready.length === 0;
  }

  /** Sends every body, oldest first, through `post`; one that throws stays for the next call. */
  async send(post: (body: DeadLettersBody) => Promise<void>): Promise<void> {
    for (const [queue, pending] of this.#pending) this.#ready.push(...pending.bodies(queue));
    this.#pending.clear();
    while (this.#ready.length > 0) {
      await post(this.#ready[0] as DeadLettersBody);
      this.#ready.shift();
    }
  }
}

/** Answers that say a request is malformed (invalid, too large, not JSON): it is dropped, not retried. */
const REFUSED = new Set([400, 413, 415]);

/**
 * One worker's dead letters on their way to the server: changes merged in an outbox and sent through
 * `post` at most one round per 100 ms, the worker registered again when the server forgot it. A body
 * refused as malformed is dropped and reported (sent again it would fail again and hold up the changes
 * behind it); any other failure keeps it for the next round.
 */
export function createDeadLetterSender(options: {
  post: (body: DeadLettersBody) => Promise<{ unknownWorker: boolean }>;
  register: () => Promise<void>;
  report: (error: unknown) => void;
}) {
  const outbox = new DeadLetterOutbox();
  const send = async (body: DeadLettersBody) => {
    try {
      if ((await options.post(body)).unknownWorker) {
        await options.register();
        await options.post(body);
      }
    } catch (error) {
      if (!(error instanceof ReporterError && error.status !== null && REFUSED.has(error.status)))
        throw error;
      options.report(error);
    }
  };
  const pusher = coalesce(() => outbox.send(send), PUSH_GAP_MS, options.report);
  return {
    add: (queue: string, change: DeadLetterChange) => outbox.add(queue, change),
    /** Sends a round soon, if anything waits (a failed round waits for this). */
    schedule(): void {
      if (!outbox.empty) pusher.schedule();
    },
    /** Stops the rounds, then sends what is left, once. */
    async stop(): Promise<void> {
      await pusher.stop();
      if (!outbox.empty) await outbox.send(send);
    },
  };
}
