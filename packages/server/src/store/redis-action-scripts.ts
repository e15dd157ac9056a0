import { type CommandParser, defineScript } from 'redis';
import {
  type EventFields,
  type History,
  LOG_EVENTS,
  type LoggedReply,
  pushEvents,
  pushHistory,
} from './redis-scripts.js';

/**
 * The Lua behind the Redis action store (redis-actions.ts). Each transition
 * of an action is one script, so it is atomic across instances: a pending id
 * leaves its worker's list in exactly one claim, and an open action leaves the
 * open hash in exactly one completion (its answer or its timeout).
 */

/** The keys of one worker's actions and of all of them, by role. */
export interface ActionKeys {
  /** Hash: id → the action as requested (JSON), while open. */
  open: string;
  /** Sorted set: id → expiresAt, while open. */
  expires: string;
  /** List: the worker's pending ids, oldest first. */
  pending: string;
  /** Sorted set: the worker's ids delivered on a stream and unanswered → delivery number. */
  delivered: string;
  /** Hash: id → `<seq>:<deliveredAt>` of the delivered open ones. */
  claims: string;
  /** Counter: the last delivery number handed out. */
  seq: string;
  /** Hash: id → the completed action (JSON). */
  done: string;
  /** List: completed ids, newest first, capped. */
  recent: string;
}

/** Stores a pending action and logs its event; -1 (nothing stored) when the worker has `maxOpen` open. */
const requestAction = defineScript({
  NUMBER_OF_KEYS: 6,
  SCRIPT: `${LOG_EVENTS}
    if redis.call('LLEN', KEYS[5]) + redis.call('ZCARD', KEYS[6]) >= tonumber(ARGV[6]) then return -1 end
    redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
    redis.call('ZADD', KEYS[4], ARGV[5], ARGV[3])
    redis.call('RPUSH', KEYS[5], ARGV[3])
    return logEvents(7)`,
  parseCommand(
    parser: CommandParser,
    history: History,
    keys: ActionKeys,
    request: { id: string; json: string; expiresAt: number; maxOpen: number },
    events: EventFields,
  ) {
    pushHistory(parser, history, [keys.open, keys.expires, keys.pending, keys.delivered]);
    parser.push(request.id, request.json, String(request.expiresAt), String(request.maxOpen));
    pushEvents(parser, events);
  },
  transformReply: (reply: unknown): LoggedReply | 'full' => (reply === -1 ? 'full' : (reply as LoggedReply)),
});

/**
 * Empties the worker's pending list; each id still open is numbered and marked delivered, and (for
 * a stream) added to the worker's delivered set. `[json, seq, ...]`. A missing counter (a new or
 * emptied Redis) starts at the time in ms, so numbers keep growing and older resume points are below them.
 */
const claimActions = defineScript({
  NUMBER_OF_KEYS: 5,
  SCRIPT: `
    local ids = redis.call('LRANGE', KEYS[1], 0, -1)
    redis.call('DEL', KEYS[1])
    if #ids > 0 then redis.call('SET', KEYS[5], ARGV[1], 'NX') end
    local out = {}
    for _, id in ipairs(ids) do
      local raw = redis.call('HGET', KEYS[2], id)
      if raw then
        local seq = redis.call('INCR', KEYS[5])
        if ARGV[2] == '1' then redis.call('ZADD', KEYS[3], seq, id) end
        redis.call('HSET', KEYS[4], id, seq .. ':' .. ARGV[1])
        out[#out + 1] = raw
        out[#out + 1] = tostring(seq)
      end
    end
    return out`,
  parseCommand(parser: CommandParser, keys: ActionKeys, now: number, resumable: boolean) {
    parser.pushKeys([keys.pending, keys.open, keys.delivered, keys.claims, keys.seq]);
    parser.push(String(now), resumable ? '1' : '0');
  },
  transformReply: (reply: unknown) => reply as string[],
});

/** Completes an open action and logs its event; 0 (nothing written) when it is not open. */
const completeAction = defineScript({
  NUMBER_OF_KEYS: 9,
  SCRIPT: `${LOG_EVENTS}
    if redis.call('HDEL', KEYS[3], ARGV[3]) == 0 then return 0 end
    redis.call('ZREM', KEYS[4], ARGV[3])
    redis.call('LREM', KEYS[5], 0, ARGV[3])
    redis.call('ZREM', KEYS[6], ARGV[3])
    redis.call('HDEL', KEYS[7], ARGV[3])
    redis.call('HSET', KEYS[8], ARGV[3], ARGV[4])
    redis.call('LPUSH', KEYS[9], ARGV[3])
    local cap = tonumber(ARGV[5])
    while redis.call('LLEN', KEYS[9]) > cap do
      redis.call('HDEL', KEYS[8], redis.call('RPOP', KEYS[9]))
    end
    return logEvents(6)`,
  parseCommand(
    parser: CommandParser,
    history: History,
    keys: ActionKeys,
    completed: { id: string; json: string; keep: number },
    events: EventFields,
  ) {
    pushHistory(parser, history, [
      keys.open,
      keys.expires,
      keys.pending,
      keys.delivered,
      keys.claims,
      keys.done,
      keys.recent,
    ]);
    parser.push(completed.id, completed.json, String(completed.keep));
    pushEvents(parser, events);
  },
  transformReply: (reply: unknown): LoggedReply | 'closed' =>
    reply === 0 ? 'closed' : (reply as LoggedReply),
});

export const actionScripts = { requestAction, claimActions, completeAction };
