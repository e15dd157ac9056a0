import type { Action } from '@pulseboard/protocol';
import type { LoggedEventInput } from '../events.js';
import {
  type ActionStore,
  type DeliveredAction,
  newestFirst,
  RECENT_ACTIONS,
  TooManyOpenActionsError,
} from './action-store.js';
import type { ActionKeys } from './redis-action-scripts.js';
import { guard, type RedisClient } from './redis-client.js';
import type { RedisEventLog } from './redis-event-log.js';

/** A stored open action with its delivery (`<seq>:<deliveredAt>`), if it had one. */
function withClaim(raw: string, claim: string | null | undefined): Action {
  const action = JSON.parse(raw) as Action;
  if (!claim) return action;
  const [, deliveredAt] = claim.split(':');
  return { ...action, status: 'delivered', deliveredAt: Number(deliveredAt) };
}

const seqOf = (claim: string) => Number(claim.split(':')[0]);

/**
 * Actions shared by every instance on one Redis: open ones in a hash (as
 * requested; deliveries beside them), a pending list and a delivered set per
 * worker, completed ones in a capped list. The transitions are the scripts of
 * redis-action-scripts.ts.
 */
export class RedisActionStore implements ActionStore {
  readonly #client: RedisClient;
  readonly #log: RedisEventLog;
  readonly #prefix: string;

  constructor(client: RedisClient, log: RedisEventLog, prefix: string) {
    this.#client = client;
    this.#log = log;
    this.#prefix = prefix;
  }

  #keys(worker: string): ActionKeys {
    const p = this.#prefix;
    return {
      open: `${p}:open`,
      expires: `${p}:expires`,
      pending: `${p}:pending:${worker}`,
      delivered: `${p}:delivered:${worker}`,
      claims: `${p}:claims`,
      seq: `${p}:seq`,
      done: `${p}:done`,
      recent: `${p}:recent`,
    };
  }

  async request(action: Action, event: LoggedEventInput, maxOpen: number): Promise<void> {
    const request = { id: action.id, json: JSON.stringify(action), expiresAt: action.expiresAt, maxOpen };
    const keys = this.#keys(action.worker);
    const result = await this.#log.commit(
      (history, fields) => this.#client.requestAction(history, keys, request, fields),
      [event],
    );
    if (result === 'full') throw new TooManyOpenActionsError(maxOpen);
  }

  async claim(worker: string, now: number, via: 'stream' | 'heartbeat'): Promise<DeliveredAction[]> {
    const reply = await guard(this.#client.claimActions(this.#keys(worker), now, via === 'stream'));
    const out: DeliveredAction[] = [];
    for (let i = 0; i < reply.length; i += 2) {
      const action = JSON.parse(reply[i] as string) as Action;
      out.push({ seq: Number(reply[i + 1]), action: { ...action, status: 'delivered', deliveredAt: now } });
    }
    return out;
  }

  async unanswered(worker: string, after: number): Promise<DeliveredAction[]> {
    const keys = this.#keys(worker);
    const ids = await guard(this.#client.zRangeByScore(keys.delivered, `(${after}`, '+inf'));
    if (ids.length === 0) return [];
    const [raws, claims] = await Promise.all([
      guard(this.#client.hmGet(keys.open, ids)),
      guard(this.#client.hmGet(keys.claims, ids)),
    ]);
    // Completed since the range was read: left out.
    return ids.flatMap((_, i) => {
      const raw = raws[i];
      const claim = claims[i];
      return raw && claim ? [{ seq: seqOf(claim), action: withClaim(raw, claim) }] : [];
    });
  }

  async latestSeq(): Promise<number> {
    // No counter yet: the first claim starts it at the time in ms, above anything this returns now.
    return Number((await guard(this.#client.get(this.#keys('').seq))) ?? 0);
  }

  async complete(action: Action, event: LoggedEventInput): Promise<boolean> {
    const completed = { id: action.id, json: JSON.stringify(action), keep: RECENT_ACTIONS };
    const keys = this.#keys(action.worker);
    const result = await this.#log.commit(
      (history, fields) => this.#client.completeAction(history, keys, completed, fields),
      [event],
    );
    return result !== 'closed';
  }

  async get(id: string): Promise<Action | undefined> {
    const keys = this.#keys('');
    const [raw, claim, done] = await Promise.all([
      guard(this.#client.hGet(keys.open, id)),
      guard(this.#client.hGet(keys.claims, id)),
      guard(this.#client.hGet(keys.done, id)),
    ]);
    if (raw) return withClaim(raw, claim);
    return done ? (JSON.parse(done) as Action) : undefined;
  }

  async list(limit: number): Promise<Action[]> {
    const keys = this.#keys('');
    const [open, claims, recent] = await Promise.all([
      guard(this.#client.hGetAll(keys.open)),
      guard(this.#client.hGetAll(keys.claims)),
      guard(this.#client.lRange(keys.recent, 0, limit - 1)),
    ]);
    const done = recent.length ? await guard(this.#client.hmGet(keys.done, recent)) : [];
    return [
      ...Object.entries(open).map(([id, raw]) => withClaim(raw, claims[id])),
      ...done.flatMap((raw) => (raw ? [JSON.parse(raw) as Action] : [])),
    ]
      .sort(newestFirst)
      .slice(0, limit);
  }

  async expired(now: number): Promise<Action[]> {
    const keys = this.#keys('');
    const ids = await guard(this.#client.zRangeByScore(keys.expires, '-inf', now));
    if (ids.length === 0) return [];
    const [raws, claims] = await Promise.all([
      guard(this.#client.hmGet(keys.open, ids)),
      guard(this.#client.hmGet(keys.claims, ids)),
    ]);
    return raws.flatMap((raw, i) => (raw ? [withClaim(raw, claims[i])] : []));
  }
}
