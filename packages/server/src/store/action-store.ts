import type { Action } from '@pulseboard/protocol';
import type { LoggedEventInput } from '../events.js';

/** An action as a worker's stream carries it: numbered, so a resumed stream knows what its worker has. */
export interface DeliveredAction {
  /** From one sequence shared by every worker, increasing in delivery order; the stream's event id. */
  seq: number;
  action: Action;
}

/** Why a request was not stored: its worker has this many open actions already. */
export class TooManyOpenActionsError extends Error {
  override name = 'TooManyOpenActionsError';

  constructor(readonly max: number) {
    super(`The worker has ${max} open actions already`);
  }
}

/**
 * Where actions live between request and outcome, and the recently completed
 * ones. Each transition is one atomic step, so across instances an action is
 * delivered by one caller only and completed by one caller only (its answer or
 * its timeout, whichever comes first), and the event it logs goes with it.
 */
export interface ActionStore {
  /**
   * Stores a pending action for its worker with its `action_requested` event; rejects with
   * TooManyOpenActionsError (storing nothing) when the worker has `maxOpen` open actions.
   */
  request(action: Action, event: LoggedEventInput, maxOpen: number): Promise<void>;
  /**
   * Takes the worker's pending actions, oldest first, each marked delivered at `now` and numbered.
   * An action is taken once, whoever else asks at the same time. Those taken `via` a stream are
   * what `unanswered` finds again; a heartbeat answer cannot be resumed.
   */
  claim(worker: string, now: number, via: 'stream' | 'heartbeat'): Promise<DeliveredAction[]>;
  /**
   * The worker's actions delivered on a stream, unanswered, numbered after `after`, in order: what a
   * resumed stream missed.
   */
  unanswered(worker: string, after: number): Promise<DeliveredAction[]>;
  /** The last delivery number handed out (numbers start near the time in ms, so they grow across restarts). */
  latestSeq(): Promise<number>;
  /**
   * Stores `action` (completed) with its `action_completed` event if it is still open; false when
   * it is not (completed already, or unknown), storing nothing.
   */
  complete(action: Action, event: LoggedEventInput): Promise<boolean>;
  /** An open or recently completed action. */
  get(id: string): Promise<Action | undefined>;
  /** Open and recently completed actions, newest first, at most `limit`. */
  list(limit: number): Promise<Action[]>;
  /** Open actions whose `expiresAt` is at or before `now`. */
  expired(now: number): Promise<Action[]>;
}

/** Completed actions kept for `get` and `list`; older ones are forgotten (the event log has them). */
export const RECENT_ACTIONS = 1000;

/** Newest first by request time, then id. */
export const newestFirst = (a: Action, b: Action) =>
  b.requestedAt - a.requestedAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
