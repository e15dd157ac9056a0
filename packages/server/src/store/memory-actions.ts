import type { Action } from '@pulseboard/protocol';
import type { LoggedEventInput } from '../events.js';
import {
  type ActionStore,
  type DeliveredAction,
  newestFirst,
  RECENT_ACTIONS,
  TooManyOpenActionsError,
} from './action-store.js';

/**
 * Actions in one process. Every method does its checks and writes before its
 * first `await`, so each is atomic as the interface requires.
 */
export class MemoryActionStore implements ActionStore {
  readonly #append: (input: LoggedEventInput) => Promise<unknown>;
  /** Open actions by id. */
  readonly #open = new Map<string, Action>();
  /** Delivery numbers of the open actions delivered on a stream. */
  readonly #seqs = new Map<string, number>();
  /** Pending ids per worker, oldest first. */
  readonly #pending = new Map<string, string[]>();
  /** Completed actions, oldest first (a Map keeps insertion order). */
  readonly #done = new Map<string, Action>();
  /** Starts at the boot time in ms, so numbers keep growing across a restart and a stale resume point is below them. */
  #seq = Date.now();

  constructor(append: (input: LoggedEventInput) => Promise<unknown>) {
    this.#append = append;
  }

  async request(action: Action, event: LoggedEventInput, maxOpen: number): Promise<void> {
    let open = 0;
    for (const other of this.#open.values()) if (other.worker === action.worker) open++;
    if (open >= maxOpen) throw new TooManyOpenActionsError(maxOpen);
    this.#open.set(action.id, action);
    const pending = this.#pending.get(action.worker);
    if (pending) pending.push(action.id);
    else this.#pending.set(action.worker, [action.id]);
    await this.#append(event);
  }

  async claim(worker: string, now: number, via: 'stream' | 'heartbeat'): Promise<DeliveredAction[]> {
    const ids = this.#pending.get(worker) ?? [];
    this.#pending.delete(worker);
    return ids.flatMap((id) => {
      const pending = this.#open.get(id);
      if (!pending) return [];
      const action: Action = { ...pending, status: 'delivered', deliveredAt: now };
      const seq = ++this.#seq;
      this.#open.set(id, action);
      if (via === 'stream') this.#seqs.set(id, seq);
      return [{ seq, action }];
    });
  }

  async unanswered(worker: string, after: number): Promise<DeliveredAction[]> {
    const out: DeliveredAction[] = [];
    for (const [id, seq] of this.#seqs) {
      const action = this.#open.get(id) as Action;
      if (seq > after && action.worker === worker) out.push({ seq, action });
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  async latestSeq(): Promise<number> {
    return this.#seq;
  }

  async complete(action: Action, event: LoggedEventInput): Promise<boolean> {
    const open = this.#open.get(action.id);
    if (!open) return false;
    this.#open.delete(action.id);
    this.#seqs.delete(action.id);
    const pending = this.#pending.get(open.worker);
    if (pending?.includes(action.id)) {
      const left = pending.filter((id) => id !== action.id);
      if (left.length) this.#pending.set(open.worker, left);
      else this.#pending.delete(open.worker);
    }
    this.#done.set(action.id, action);
    for (const id of this.#done.keys()) {
      if (this.#done.size <= RECENT_ACTIONS) break;
      this.#done.delete(id);
    }
    await this.#append(event);
    return true;
  }

  async get(id: string): Promise<Action | undefined> {
    return this.#open.get(id) ?? this.#done.get(id);
  }

  async list(limit: number): Promise<Action[]> {
    return [...this.#open.values(), ...this.#done.values()].sort(newestFirst).slice(0, limit);
  }

  async expired(now: number): Promise<Action[]> {
    return [...this.#open.values()].filter((action) => action.expiresAt <= now);
  }
}
