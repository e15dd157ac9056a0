import type { Redis } from 'ioredis';

/** One entry of a queue's BullMQ event stream (`<prefix>:<queue>:events`), as QueueEvents reads it. */
export interface QueueEvent {
  /** The stream id, `<ms>-<seq>`. */
  id: string;
  /** `added`, `waiting`, `active`, `completed`, `failed`, `delayed`, `removed`, `paused`, … */
  event: string;
  jobId: string | undefined;
}

export interface EventReader {
  /** Starts reading these queues' events from now (from the start of a stream that does not exist yet). */
  watch(queues: string[]): Promise<void>;
  unwatch(queue: string): void;
  /** Stops reading; the blocking connection is the reader's, and is closed. */
  close(): void;
}

export interface EventReaderOptions {
  /** A connection of the reader's own: XREAD BLOCK holds it. */
  blocking: Redis;
  /** For the start ids (a short XREVRANGE per queue). */
  command: Redis;
  prefix: string;
  /** How long one XREAD waits at most (a queue watched meanwhile cuts it short). */
  blockMs: number;
  onEvents(queue: string, events: QueueEvent[]): void;
  onError(error: unknown): void;
}

/**
 * BullMQ's own events for many queues on one connection: the streams
 * `QueueEvents` reads, in one `XREAD BLOCK` over all of them, where a
 * `QueueEvents` per queue holds a blocking connection each (1,000 queues,
 * 1,000 connections). Each stream is read from the last id seen, so nothing
 * is skipped between reads or while Redis reconnects.
 */
export function readQueueEvents(options: EventReaderOptions): EventReader {
  const { blocking, command, prefix } = options;
  /** Stream key → the last id read. */
  const streams = new Map<string, string>();
  const queueOf = new Map<string, string>();
  let closed = false;
  /** The blocking connection's Redis client id, so a new queue can cut a wait short (CLIENT UNBLOCK). */
  let clientId: number | undefined;
  /** Ends the wait while no queue is watched. */
  let wakeIdle: (() => void) | undefined;

  blocking.on('ready', () => {
    blocking.client('ID').then((id) => {
      clientId = id as number;
    }, options.onError);
  });

  /** A queue joined: read it now rather than after the current wait (up to blockMs). */
  function wake(): void {
    wakeIdle?.();
    if (clientId !== undefined) command.client('UNBLOCK', clientId).catch(options.onError);
  }

  async function loop(): Promise<void> {
    while (!closed) {
      if (streams.size === 0) {
        await new Promise<void>((resolve) => {
          wakeIdle = resolve;
        });
        wakeIdle = undefined;
        continue;
      }
      const keys = [...streams.keys()];
      const ids = keys.map((key) => streams.get(key) as string);
      let answer: [string, [string, string[]][]][] | null;
      try {
        answer = (await blocking.xread(
          'COUNT',
          1000,
          'BLOCK',
          options.blockMs,
          'STREAMS',
          ...keys,
          ...ids,
        )) as [string, [string, string[]][]][] | null;
      } catch (error) {
        if (closed) return;
        options.onError(error);
        await new Promise((resolve) => setTimeout(resolve, options.blockMs));
        continue;
      }
      for (const [key, entries] of answer ?? []) {
        const queue = queueOf.get(key);
        const last = entries.at(-1);
        // Unwatched while the read was on its way.
        if (queue === undefined || !last) continue;
        streams.set(key, last[0]);
        options.onEvents(queue, entries.map(toEvent));
      }
    }
  }

  loop().catch(options.onError);

  return {
    async watch(queues) {
      const fresh = queues.filter((queue) => !queueOf.has(`${prefix}:${queue}:events`));
      // Sent together, so 1,000 queues cost one round trip's wait, not 1,000.
      const newest = await Promise.all(
        fresh.map((queue) => command.xrevrange(`${prefix}:${queue}:events`, '+', '-', 'COUNT', 1)),
      );
      fresh.forEach((queue, index) => {
        const key = `${prefix}:${queue}:events`;
        queueOf.set(key, queue);
        streams.set(key, newest[index]?.[0]?.[0] ?? '0-0');
      });
      if (fresh.length > 0) wake();
    },
    unwatch(queue) {
      const key = `${prefix}:${queue}:events`;
      queueOf.delete(key);
      streams.delete(key);
    },
    close() {
      closed = true;
      wakeIdle?.();
      blocking.disconnect();
    },
  };
}

function toEvent([id, flat]: [string, string[]]): QueueEvent {
  let event = '';
  let jobId: string | undefined;
  for (let i = 0; i + 1 < flat.length; i += 2) {
    if (flat[i] === 'event') event = flat[i + 1] as string;
    else if (flat[i] === 'jobId') jobId = flat[i + 1];
  }
  return { id, event, jobId };
}
