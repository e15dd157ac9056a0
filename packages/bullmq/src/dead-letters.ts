import type { Redis } from 'ioredis';

/**
 * A failed BullMQ job as a dead letter: what issue 16's `DeadLetterInput`
 * carries (id, name, failedAt, attempts, error with its stack, payload), read
 * so that a huge or non-JSON `data` can neither flood the adapter nor throw.
 */
export interface BullDeadLetter {
  id: string;
  name: string;
  /** Epoch ms of the last failure (`finishedOn`). */
  failedAt: number;
  /** `attemptsMade` (stored as `atm` by BullMQ 5, as Job.fromJSON reads it). */
  attempts: number;
  /** `failedReason` and the newest of `stacktrace`. */
  error: { message: string; stack?: string };
  /** `data` parsed; its first `maxPayloadBytes` bytes as a string when longer or not JSON. */
  payload: unknown;
  /** `payload` when it is the start of `data`'s text rather than its value. */
  clipped: 'payload'[];
}

/**
 * Reads only what a dead letter needs, `data` cut to `maxPayloadBytes` inside Redis:
 * a 100 MB payload never crosses the wire.
 */
const READ_JOB = `
local key = KEYS[1]
if redis.call('EXISTS', key) == 0 then return false end
local f = redis.call('HMGET', key, 'name', 'failedReason', 'stacktrace', 'attemptsMade', 'atm', 'finishedOn')
local size = redis.call('HSTRLEN', key, 'data')
local data = redis.call('HGET', key, 'data') or ''
return {f[1] or '', f[2] or '', f[3] or '[]', f[4] or f[5] or '0', f[6] or '0', size, string.sub(data, 1, tonumber(ARGV[1]))}
`;

/** The dead letter of job `jobId` of `queue`, or null when the job is gone. */
export async function readDeadLetter(
  client: Redis,
  prefix: string,
  queue: string,
  jobId: string,
  maxPayloadBytes = 16_384,
): Promise<BullDeadLetter | null> {
  const answer = (await client.eval(READ_JOB, 1, `${prefix}:${queue}:${jobId}`, maxPayloadBytes)) as
    | [string, string, string, string, string, number, string]
    | null;
  if (!answer) return null;
  const [name, failedReason, stacktrace, attemptsMade, finishedOn, size, head] = answer;
  const stack = newestStack(stacktrace);
  const letter: BullDeadLetter = {
    id: jobId,
    name,
    failedAt: Number(finishedOn) || 0,
    attempts: Number(attemptsMade) || 0,
    error: stack === undefined ? { message: failedReason } : { message: failedReason, stack },
    payload: head,
    clipped: ['payload'],
  };
  if (Buffer.byteLength(head) === size) {
    try {
      letter.payload = JSON.parse(head);
      letter.clipped = [];
    } catch {
      // Not JSON (written by something else than BullMQ): kept as the text it is.
    }
  }
  return letter;
}

/** BullMQ keeps one stack per failed attempt, oldest first, as a JSON array. */
function newestStack(stacktrace: string): string | undefined {
  try {
    const stacks: unknown = JSON.parse(stacktrace);
    const newest = Array.isArray(stacks) ? stacks.at(-1) : undefined;
    return typeof newest === 'string' ? newest : undefined;
  } catch {
    return undefined;
  }
}
