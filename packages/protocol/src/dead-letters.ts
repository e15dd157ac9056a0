/**
 * Dead letters: failed jobs as a worker reports them and as the server keeps
 * them, and the clipping both sides apply so that a megabyte stack or payload
 * never travels or sits in memory whole.
 */

/** A failed job as a worker reports it (`POST /api/workers/:id/dead-letters`). */
export interface DeadLetterInput {
  /** The job's id in its queue system: 1 to 256 characters, unique within the queue. */
  id: string;
  /** The job's name or kind, e.g. `send-welcome-email`. */
  name?: string;
  /** Epoch milliseconds of the last failure. */
  failedAt: number;
  /** Attempts made, the failing one included. */
  attempts: number;
  error: { message: string; stack?: string };
  /** The job's data: any JSON value. */
  payload?: unknown;
  /**
   * The fields cut short already (by the reporter, which clips as the server does). With `payload`
   * among them, `payload` is a string: the start of the payload's JSON text, not the value.
   */
  clipped?: ClippedField[];
}

/** The fields the server may have cut short; each then ends with the marker `clipText` adds. */
export type ClippedField = 'name' | 'message' | 'stack' | 'payload';

/** A dead letter as the server keeps and sends it; `clipped` names every field cut short, each ending with the marker. */
export interface DeadLetter extends DeadLetterInput {
  /** The worker that reported it (the one that can act on it). */
  workerId: string;
}

/** Caps on a dead letter; past a cap the server (and the reporter, before sending) clips, it does not refuse. */
export const DEAD_LETTER_LIMITS = {
  idMax: 256,
  nameMax: 200,
  messageMax: 4096,
  stackMax: 16_384,
  /** Characters of the payload's JSON text. */
  payloadMax: 16_384,
  /** Levels of arrays and objects in a payload kept as a value; a deeper one is kept as its (clipped) JSON text. */
  payloadDepthMax: 32,
  /** Items of `added` in one request (the reporter splits larger reports). */
  batchMax: 1000,
  /** Ids in `removed` in one request. */
  removeMax: 10_000,
} as const;

/** Characters kept for the marker, so a clipped text is at most `max` long and clipping it again changes nothing. */
const MARKER_ROOM = 64;

/** `text`, or as much of its start as fits in `max` characters with a visible marker saying how much was cut. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = max - MARKER_ROOM;
  // Not in the middle of a surrogate pair: the rest would be an unpaired half.
  const end = /[\uD800-\uDBFF]/.test(text.charAt(keep - 1)) ? keep - 1 : keep;
  return `${text.slice(0, end)}… [truncated: ${(text.length - end).toLocaleString('en-US')} more characters]`;
}

/** Whether `value` nests arrays and objects more than `max` levels deep (iterative: a hostile payload may nest 100,000). */
function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return false;
}

/** The payload as stored: the value when small and shallow, else its clipped JSON text. */
function clipPayload(payload: unknown): { payload?: unknown; clipped: boolean } {
  let text: string | undefined;
  try {
    text = JSON.stringify(payload);
  } catch (err) {
    return { payload: `[payload not encodable as JSON: ${String(err)}]`, clipped: true };
  }
  // undefined, a function, a symbol: nothing to keep.
  if (text === undefined) return { clipped: false };
  if (
    text.length <= DEAD_LETTER_LIMITS.payloadMax &&
    !deeperThan(payload, DEAD_LETTER_LIMITS.payloadDepthMax)
  ) {
    return { payload: JSON.parse(text), clipped: false };
  }
  return { payload: clipText(text, DEAD_LETTER_LIMITS.payloadMax), clipped: true };
}

/** `input` within DEAD_LETTER_LIMITS: long text and big or deep payloads clipped, and `clipped` naming them. */
export function clipDeadLetter(input: DeadLetterInput): Omit<DeadLetter, 'workerId'> {
  const clipped = new Set(input.clipped);
  const clip = (field: ClippedField, text: string, max: number) => {
    if (text.length > max) clipped.add(field);
    return clipText(text, max);
  };
  const out: Omit<DeadLetter, 'workerId'> = {
    id: input.id,
    failedAt: input.failedAt,
    attempts: input.attempts,
    error: { message: clip('message', input.error.message, DEAD_LETTER_LIMITS.messageMax) },
  };
  if (input.name !== undefined) out.name = clip('name', input.name, DEAD_LETTER_LIMITS.nameMax);
  if (input.error.stack !== undefined) {
    out.error.stack = clip('stack', input.error.stack, DEAD_LETTER_LIMITS.stackMax);
  }
  // A payload clipped already is its JSON text: kept as that text, clipped again only by length.
  if (input.clipped?.includes('payload') && typeof input.payload === 'string') {
    out.payload = clip('payload', input.payload, DEAD_LETTER_LIMITS.payloadMax);
  } else if ('payload' in input) {
    const payload = clipPayload(input.payload);
    if ('payload' in payload) out.payload = payload.payload;
    if (payload.clipped) clipped.add('payload');
  }
  if (clipped.size > 0) out.clipped = [...clipped];
  return out;
}
