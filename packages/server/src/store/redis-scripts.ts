import { type CommandParser, defineScript } from 'redis';

/**
 * The Lua scripts behind the Redis backend. Each runs atomically on the
 * server, which is what makes a compare-and-set together with the events it
 * logs, a lease check plus XADD, or an epoch check plus XRANGE race-free
 * across instances. node-redis sends them by SHA and falls back to EVAL after
 * a restart emptied the script cache.
 */

/** A stream entry as Lua returns it: `[id, [field, value, ...]]`. */
export type RawStreamEntry = [id: string, fields: string[]];

/**
 * Where the scripts that log events write them: the stream, the key holding
 * its epoch, the length it is trimmed to, and an epoch to start if the key is
 * gone. Always KEYS[1], KEYS[2], ARGV[1], ARGV[2].
 */
export interface History {
  stream: string;
  epochKey: string;
  maxLen: number;
  /** A fresh random epoch per call: the one a new generation starts with if this call is the first after a reset. */
  candidate: string;
}

/** `[epoch, id, ...]`: the epoch the events were logged in and their stream ids; `['']` when there were none. */
export type LoggedReply = readonly string[];

/** (type, JSON data) per event. */
export type EventFields = readonly (readonly [type: string, data: string])[];

/**
 * The Lua shared by the scripts that log events. The epoch names the stream's
 * history: a missing key means Redis lost its data (or it was deleted), so a
 * new epoch starts with an empty stream, and a stream holds entries of one
 * epoch only. `logEvents(from)` XADDs the (type, data) pairs in ARGV from
 * `from` on, each entry tagged with its epoch, and returns `{epoch, ids...}`.
 */
export const LOG_EVENTS = `
  local function epoch()
    local current = redis.call('GET', KEYS[2])
    if current then return current end
    redis.call('DEL', KEYS[1])
    redis.call('SET', KEYS[2], ARGV[2])
    return ARGV[2]
  end
  local function logEvents(from, ...)
    if #ARGV < from then return {''} end
    local reply = {epoch()}
    for i = from, #ARGV, 2 do
      reply[#reply + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*',
        'type', ARGV[i], 'data', ARGV[i + 1], 'epoch', reply[1], ...)
    end
    return reply
  end`;

export function pushHistory(parser: CommandParser, history: History, keys: readonly string[]): void {
  parser.pushKeys([history.stream, history.epochKey, ...keys]);
  parser.push(String(history.maxLen), history.candidate);
}

export function pushEvents(parser: CommandParser, events: EventFields): void {
  for (const [type, data] of events) parser.push(type, data);
}

const loggedReply = (reply: unknown) => (reply === null ? null : (reply as LoggedReply));

/** What a row's write keeps in step with it: its score in a sorted set, and the group sets it leaves and is in. */
export interface RowIndex {
  key: string;
  score: number;
  leave: readonly string[];
  join: readonly string[];
}

/** Why a compare-and-set wrote nothing: the field holds another value now, or a new field is past `maxFields`. */
export type Declined = 'conflict' | 'full';

/**
 * Writes a hash field if it still holds `expected`, and logs `events` with it.
 * `expected` and `next` use '' for "absent": a stored JSON value is never
 * empty. A new field is refused while the hash already holds `maxFields` (0:
 * no limit). With an index key (a sorted set), the field's score there is
 * written or removed with it, so the index never disagrees with the hash.
 */
const writeField = defineScript({
  SCRIPT: `${LOG_EVENTS}
    local current = redis.call('HGET', KEYS[3], ARGV[3])
    if (current or '') ~= ARGV[4] then return 0 end
    if ARGV[5] == '' then
      redis.call('HDEL', KEYS[3], ARGV[3])
      if KEYS[4] then redis.call('ZREM', KEYS[4], ARGV[3]) end
    else
      local max = tonumber(ARGV[7])
      if not current and max > 0 and redis.call('HLEN', KEYS[3]) >= max then return -1 end
      redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
      if KEYS[4] then redis.call('ZADD', KEYS[4], ARGV[6], ARGV[3]) end
    end
    local first, leave = tonumber(ARGV[8]), tonumber(ARGV[9])
    for i = first, first + leave - 1 do redis.call('SREM', KEYS[i], ARGV[3]) end
    for i = first + leave, #KEYS do redis.call('SADD', KEYS[i], ARGV[3]) end
    return logEvents(10)`,
  parseCommand(
    parser: CommandParser,
    history: History,
    write: {
      key: string;
      field: string;
      expected: string;
      next: string;
      maxFields: number;
      index?: RowIndex;
    },
    events: EventFields,
  ) {
    const keys = write.index ? [write.key, write.index.key] : [write.key];
    // The group sets go last in KEYS, after the two history keys: those the row leaves, then those it is in.
    const first = String(3 + keys.length);
    const leave = write.index?.leave ?? [];
    keys.push(...leave, ...(write.index?.join ?? []));
    // The key count varies (no NUMBER_OF_KEYS), so it goes first.
    parser.push(String(2 + keys.length));
    pushHistory(parser, history, keys);
    const score = String(write.index?.score ?? 0);
    parser.push(
      write.field,
      write.expected,
      write.next,
      score,
      String(write.maxFields),
      first,
      String(leave.length),
    );
    pushEvents(parser, events);
  },
  transformReply: (reply: unknown): LoggedReply | Declined =>
    reply === 0 ? 'conflict' : reply === -1 ? 'full' : (reply as LoggedReply),
});

/** Appends log lines to a list capped at `capacity` and logs `events` with them. */
const appendLines = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `${LOG_EVENTS}
    local count = tonumber(ARGV[4])
    if count > 0 then
      redis.call('RPUSH', KEYS[3], unpack(ARGV, 5, 4 + count))
      redis.call('LTRIM', KEYS[3], -tonumber(ARGV[3]), -1)
    end
    return logEvents(5 + count)`,
  parseCommand(
    parser: CommandParser,
    history: History,
    list: { key: string; capacity: number; lines: readonly string[] },
    events: EventFields,
  ) {
    pushHistory(parser, history, [list.key]);
    parser.push(String(list.capacity), String(list.lines.length), ...list.lines);
    pushEvents(parser, events);
  },
  transformReply: loggedReply,
});

/**
 * Logs one event. With an `owner`, the append is conditional on holding (or
 * taking) the lease key for `leaseMs`; another holder's lease turns it into a
 * no-op that returns null. The entry then records its `owner` (readers ignore
 * the field; it shows which instance published what).
 */
const appendEvent = defineScript({
  NUMBER_OF_KEYS: 3,
  SCRIPT: `${LOG_EVENTS}
    if ARGV[3] == '' then return logEvents(5) end
    local holder = redis.call('GET', KEYS[3])
    if holder and holder ~= ARGV[3] then return false end
    redis.call('SET', KEYS[3], ARGV[3], 'PX', ARGV[4])
    return logEvents(5, 'owner', ARGV[3])`,
  parseCommand(
    parser: CommandParser,
    history: History,
    lease: { key: string; owner: string; ms: number },
    event: EventFields[number],
  ) {
    pushHistory(parser, history, [lease.key]);
    parser.push(lease.owner, String(lease.ms));
    pushEvents(parser, [event]);
  },
  transformReply: loggedReply,
});

/**
 * Entries after `from`, or null when `from` cannot be resumed from: its epoch
 * is not the stream's, or it is not in the stream (trimmed, in the future), or
 * it is the base id `0-0` of a stream that has already lost entries to trimming.
 */
const entriesAfter = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
    if redis.call('GET', KEYS[2]) ~= ARGV[2] then return false end
    if ARGV[1] == '0-0' then
      local length = redis.call('XLEN', KEYS[1])
      if length > 0 then
        local info = redis.call('XINFO', 'STREAM', KEYS[1])
        for i = 1, #info, 2 do
          if info[i] == 'entries-added' and info[i + 1] ~= length then return false end
        end
      end
      return redis.call('XRANGE', KEYS[1], '-', '+')
    end
    local entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+')
    if #entries == 0 or entries[1][1] ~= ARGV[1] then return false end
    table.remove(entries, 1)
    return entries`,
  parseCommand(parser: CommandParser, stream: string, epochKey: string, from: { id: string; epoch: string }) {
    parser.pushKeys([stream, epochKey]);
    parser.push(from.id, from.epoch);
  },
  transformReply: (reply: unknown) => reply as RawStreamEntry[] | null,
});

/** Gives a lease up if we hold it, so another instance takes over on its next tick. */
const releaseLease = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
    return 0`,
  parseCommand(parser: CommandParser, lease: string, owner: string) {
    parser.pushKey(lease);
    parser.push(owner);
  },
  transformReply: (reply: unknown) => reply === 1,
});

/** The stream's epoch: the stored one, or the candidate as a new one (Redis came back empty). */
const claimEpoch = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `${LOG_EVENTS}
    return epoch()`,
  parseCommand(parser: CommandParser, history: Omit<History, 'maxLen'>) {
    parser.pushKeys([history.stream, history.epochKey]);
    parser.push('', history.candidate);
  },
  transformReply: (reply: unknown) => String(reply),
});

export const scripts = { writeField, appendLines, appendEvent, entriesAfter, releaseLease, claimEpoch };
