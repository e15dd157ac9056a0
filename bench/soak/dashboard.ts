import http from 'node:http';

/**
 * A dashboard as the soak sees it: one SSE connection at a time over plain
 * `node:http` (so it can stop reading, which an EventSource cannot), resuming
 * with `Last-Event-ID` after every close as a browser does, after the
 * server's `retry:` delay. It records each connection as a session (where it
 * started, the logged events it received, in order) for the verifier, and
 * keeps the worker statuses the events add up to.
 *
 * - `checker` reads everything as it comes;
 * - `slow` stops reading for seconds at a time (the server skips its
 *   superseded metrics, or drops it and it resumes);
 * - `never` connects and never reads (the server must drop it; not verified),
 *   and after 3 min starts over;
 * - `churn` closes its connection after a few seconds and comes back, to
 *   either instance.
 */
export type Mode = 'checker' | 'slow' | 'never' | 'churn';

export interface Session {
  openedAt: number;
  /** The `Last-Event-ID` it sent, if any. */
  sentId: string | null;
  /** Where the server said it starts: the `initial_data` id, else the id it resumed from. */
  startId: string | null;
  /** `initial_data.resync`, or null when it resumed by replay. */
  resync: boolean | null;
  /** Logged events received, in order (initial_data, ping and reconnect are per connection). */
  received: string[];
  reconnectReason: string | null;
}

const PER_CONNECTION = new Set(['initial_data', 'ping', 'reconnect']);
const WORKER_EVENTS = new Set(['worker_registered', 'worker_status_change', 'worker_deregistered']);

export class Dashboard {
  readonly sessions: Session[] = [];
  /** Worker id → status, as the received events set them. */
  readonly state = new Map<string, string>();
  lastId: string | null = null;
  /** Connections the server ended or cut (not the ones this dashboard closed itself). */
  ended = 0;
  #request: http.ClientRequest | null = null;
  #retryMs = 1000;
  #closed = false;
  #timers = new Set<NodeJS.Timeout>();
  readonly #pick: () => string;

  constructor(
    readonly name: string,
    readonly mode: Mode,
    /** The base URL of the instance to connect to next (a balancer's choice). */
    pick: () => string,
  ) {
    this.#pick = pick;
  }

  get connected(): boolean {
    return this.#request !== null;
  }

  open(): void {
    if (this.#closed) return;
    const session: Session = {
      openedAt: Date.now(),
      sentId: this.lastId,
      startId: null,
      resync: null,
      received: [],
      reconnectReason: null,
    };
    this.sessions.push(session);
    const headers: Record<string, string> = this.lastId ? { 'Last-Event-ID': this.lastId } : {};
    const request = http.get(`${this.#pick()}/events`, { headers, agent: false });
    this.#request = request;
    let ours = false;
    const ended = () => {
      if (this.#request !== request) return;
      this.#request = null;
      if (!ours) this.ended++;
      this.#later(ours ? 200 + Math.random() * 800 : this.#retryMs, () => this.open());
    };
    request.on('error', ended);
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        response.on('end', ended);
        return;
      }
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
          this.#message(session, buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      response.on('close', ended);
      if (this.mode === 'never') {
        response.pause();
        // Not reading, it cannot notice the server dropping it either: it gives up after a while and comes back.
        this.#later(180_000, () => {
          ours = true;
          request.destroy();
        });
      }
      if (this.mode === 'slow') this.#stall(response, request);
      if (this.mode === 'churn') {
        this.#later(1000 + Math.random() * 4000, () => {
          ours = true;
          request.destroy();
        });
      }
    });
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#request?.destroy();
    this.#request = null;
  }

  /** Reads for a while, then not for 1–6 s, over and over. */
  #stall(response: http.IncomingMessage, request: http.ClientRequest): void {
    this.#later(500 + Math.random() * 3000, () => {
      if (this.#request !== request) return;
      response.pause();
      this.#later(1000 + Math.random() * 5000, () => {
        response.resume();
        this.#stall(response, request);
      });
    });
  }

  #later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  #message(session: Session, block: string): void {
    let id: string | null = null;
    let type = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const field = line.slice(0, colon);
      const value = line.slice(line.charCodeAt(colon + 1) === 32 ? colon + 2 : colon + 1);
      if (field === 'id') id = value;
      else if (field === 'event') type = value;
      else if (field === 'data') data = value;
      else if (field === 'retry') this.#retryMs = Number(value);
    }
    if (id === null || !data) return;
    this.lastId = id;
    // Anything but a snapshot first: the server resumed from the id sent.
    if (session.startId === null && type !== 'initial_data') session.startId = session.sentId;
    if (type === 'initial_data') {
      const snapshot = JSON.parse(data) as { resync: boolean; workers: { id: string; status: string }[] };
      if (session.startId === null) {
        session.startId = id;
        session.resync = snapshot.resync;
      }
      this.state.clear();
      for (const worker of snapshot.workers) this.state.set(worker.id, worker.status);
      return;
    }
    if (type === 'reconnect') session.reconnectReason = (JSON.parse(data) as { reason: string }).reason;
    if (PER_CONNECTION.has(type)) return;
    session.received.push(id);
    if (!WORKER_EVENTS.has(type)) return;
    const payload = JSON.parse(data) as { id: string; to: string; worker: { id: string; status: string } };
    if (type === 'worker_registered') this.state.set(payload.worker.id, payload.worker.status);
    else if (type === 'worker_status_change') this.state.set(payload.id, payload.to);
    else this.state.delete(payload.id);
  }
}
