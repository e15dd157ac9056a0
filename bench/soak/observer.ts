import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';

/** One logged event as the stream holds it. */
export interface Entry {
  id: string;
  epoch: string;
  /** Its index in its epoch's list. */
  pos: number;
  type: string;
}

const STREAM = 'pulseboard:events';
const EPOCH = 'pulseboard:epoch';

/**
 * The truth the soak checks dashboards against: the event stream itself, read
 * straight from Redis on a connection of its own (no server code in between),
 * each epoch's entries in stream order. It also checks the stream's order
 * against the registry's: a worker's status changes are applied one after
 * another, each from the status the previous one left, so in the registry's
 * order they form a chain; a change whose `from` is not the status before it
 * is an order mismatch.
 */
export class Observer {
  readonly epochs = new Map<string, Entry[]>();
  readonly byId = new Map<string, Entry>();
  /** Status changes out of the registry's order, described. */
  readonly chainBreaks: string[] = [];
  /** Events by type. */
  readonly types = new Map<string, number>();
  /** When each worker was marked offline for silence (`reason: "stale"`), by worker id. */
  readonly staleVerdicts = new Map<string, number[]>();
  #statuses = new Map<string, string>();
  #epoch = '';
  #cursor = '0-0';
  #running = true;
  readonly #client: ReturnType<typeof createClient>;
  #loop: Promise<void> | undefined;

  constructor(url: string) {
    // Blocking reads wait out a restart in the offline queue; reconnects are quick and never give up.
    this.#client = createClient({ url, socket: { reconnectStrategy: () => 100 } });
    this.#client.on('error', () => {});
    this.#client.on('ready', () => {
      // A stream that restarted empty may reuse ids below the cursor: read the new epoch from its start.
      this.#client
        .get(EPOCH)
        .then((epoch) => {
          if (epoch && epoch !== this.#epoch) this.#cursor = '0-0';
        })
        .catch(() => {});
    });
  }

  async start(): Promise<void> {
    await this.#client.connect();
    this.#loop = this.#read();
  }

  /** The newest entry seen. */
  latest(): Entry | undefined {
    return this.epochs.get(this.#epoch)?.at(-1);
  }

  async close(): Promise<void> {
    this.#running = false;
    this.#client.destroy();
    await this.#loop;
  }

  async #read(): Promise<void> {
    while (this.#running) {
      try {
        const reply = await this.#client.xRead(
          { key: STREAM, id: this.#cursor },
          { BLOCK: 1000, COUNT: 1000 },
        );
        for (const { id, message } of reply?.[0]?.messages ?? []) {
          const epoch = message.epoch ?? '';
          if (epoch !== this.#epoch) {
            // A new history: read it from its start (entries already recorded are skipped).
            this.#epoch = epoch;
            this.#statuses = new Map();
            this.#cursor = '0-0';
            break;
          }
          this.#cursor = id;
          this.#record(`${id}-${epoch}`, epoch, message.type ?? '', message.data ?? '');
        }
      } catch {
        if (!this.#running) return;
        await delay(100);
      }
    }
  }

  #record(id: string, epoch: string, type: string, data: string): void {
    if (this.byId.has(id)) return;
    let list = this.epochs.get(epoch);
    if (!list) {
      list = [];
      this.epochs.set(epoch, list);
    }
    const entry = { id, epoch, pos: list.length, type };
    list.push(entry);
    this.byId.set(id, entry);
    this.types.set(type, (this.types.get(type) ?? 0) + 1);
    if (type === 'worker_registered') {
      const { worker } = JSON.parse(data) as { worker: { id: string; status: string } };
      // A known worker's registration says nothing of its status; a worker_status_change follows if it changed.
      if (!this.#statuses.has(worker.id)) this.#statuses.set(worker.id, worker.status);
    } else if (type === 'worker_status_change') {
      const change = JSON.parse(data) as { id: string; from: string; to: string; at: number; reason: string };
      const before = this.#statuses.get(change.id);
      if (before !== change.from) {
        this.chainBreaks.push(
          `${id}: ${change.id} ${change.from} → ${change.to} after a change to ${before}`,
        );
      }
      this.#statuses.set(change.id, change.to);
      if (change.reason === 'stale')
        this.staleVerdicts.set(change.id, [...(this.staleVerdicts.get(change.id) ?? []), change.at]);
    } else if (type === 'worker_deregistered') {
      this.#statuses.delete((JSON.parse(data) as { id: string }).id);
    }
  }
}
