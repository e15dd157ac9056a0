import { type CommandParser, defineScript } from 'redis';

/**
 * The Lua scripts behind the Redis backend. Each runs atomically on the
 * server, which is what makes a compare-and-set, a lease check plus XADD, or
 * an existence check plus XRANGE race-free across instances. node-redis sends
 * them by SHA and falls back to EVAL after a restart emptied the script cache.
 */

/** A stream entry as Lua returns it: `[id, [field, value, ...]]`. */
export type RawStreamEntry = [id: string, fields: string[]];

/** What a compare-and-set did: wrote, found another value (a conflict), or refused a new field past `maxFields`. */
export type CompareAndSetResult = 'written' | 'conflict' | 'full';

/**
 * Writes a hash field if it still holds `expected`. `expected` and `next` use
 * '' for "absent": a stored JSON value is never empty. A new field is refused
 * while the hash already holds `maxFields` (0: no limit). With an index key (a
 * sorted set), the field's score there is written or removed with it, so the
 * index never disagrees with the hash.
 */
const compareAndSetField = defineScript({
  SCRIPT: `
    local current = redis.call('HGET', KEYS[1], ARGV[1])
    if (current or '') ~= ARGV[2] then return 0 end
    if ARGV[3] == '' then
      redis.call('HDEL', KEYS[1], ARGV[1])
      if KEYS[2] then redis.call('ZREM', KEYS[2], ARGV[1]) end
    else
      local max = tonumber(ARGV[4])
      if not current and max > 0 and redis.call('HLEN', KEYS[1]) >= max then return -1 end
      redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
      if KEYS[2] then redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1]) end
    end
    return 1`,
  parseCommand(
    parser: CommandParser,
    key: string,
    field: string,
    expected: string,
    next: string,
    maxFields: number,
    index?: { key: string; score: number },
  ) {
    // The key count varies (no NUMBER_OF_KEYS), so it goes first.
    parser.push(index ? '2' : '1');
    parser.pushKey(key);
    if (index) parser.pushKey(index.key);
    parser.push(field, expected, next, String(maxFields));
    if (index) parser.push(String(index.score));
  },
  transformReply: (reply: unknown): CompareAndSetResult =>
    reply === 1 ? 'written' : reply === -1 ? 'full' : 'conflict',
});

/**
 * XADD, trimmed to about `maxLen`. With an `owner`, the append is conditional
 * on holding (or taking) the lease key for `leaseMs`; another holder's lease
 * turns it into a no-op that returns null. The entry then records its `owner`
 * (readers ignore the field; it shows which instance published what).
 */
const appendEvent = defineScript({
  NUMBER_OF_KEYS: 2,
  SCRIPT: `
    if ARGV[4] ~= '' then
      local holder = redis.call('GET', KEYS[2])
      if holder and holder ~= ARGV[4] then return false end
      redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[5])
      return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[2], 'data', ARGV[3], 'owner', ARGV[4])
    end
    return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'type', ARGV[2], 'data', ARGV[3])`,
  parseCommand(
    parser: CommandParser,
    stream: string,
    lease: string,
    args: { maxLen: number; type: string; data: string; owner: string; leaseMs: number },
  ) {
    parser.pushKeys([stream, lease]);
    parser.push(String(args.maxLen), args.type, args.data, args.owner, String(args.leaseMs));
  },
  transformReply: (reply: unknown) => (reply === null ? null : String(reply)),
});

/**
 * Entries after `from`, or null when `from` cannot be resumed from: it is not
 * in the stream (trimmed, from another Redis, in the future), or it is the base
 * id `0-0` of a stream that has already lost entries to trimming.
 */
const entriesAfter = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
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
  parseCommand(parser: CommandParser, stream: string, from: string) {
    parser.pushKey(stream);
    parser.push(from);
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

/**
 * The data's generation: the stored one, or `candidate` stored as the first.
 * Redis coming back without it means it came back empty.
 */
const claimGeneration = defineScript({
  NUMBER_OF_KEYS: 1,
  SCRIPT: `
    local current = redis.call('GET', KEYS[1])
    if current then return current end
    redis.call('SET', KEYS[1], ARGV[1])
    return ARGV[1]`,
  parseCommand(parser: CommandParser, key: string, candidate: string) {
    parser.pushKey(key);
    parser.push(candidate);
  },
  transformReply: (reply: unknown) => String(reply),
});

export const scripts = { compareAndSetField, appendEvent, entriesAfter, releaseLease, claimGeneration };
