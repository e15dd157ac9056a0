/**
 * SSE framing. JSON.stringify never emits a raw newline, so one `data:` line
 * always carries the whole payload.
 */
export function encodeFrame(id: string, type: string, json: string): Buffer {
  return Buffer.from(`id: ${id}\nevent: ${type}\ndata: ${json}\n\n`);
}

export function encodeRetry(ms: number): Buffer {
  return Buffer.from(`retry: ${ms}\n\n`);
}

/** About how many characters of JSON go into one piece of a chunked frame. */
const PIECE_CHARS = 64 * 1024;

/**
 * A frame for a payload too big to serialize as one string (`initial_data`
 * with every worker, up to a hundred megabytes): the same bytes as
 * `encodeFrame`, one `data:` line, built in pieces of about 64 KiB. The
 * payload's top-level arrays are serialized item by item, so no string ever
 * holds more than one item and a piece.
 */
export function encodeFramePieces(id: string, type: string, payload: object): Buffer[] {
  const pieces = [Buffer.from(`id: ${id}\nevent: ${type}\ndata: {`)];
  let text = '';
  const add = (json: string) => {
    text += json;
    if (text.length < PIECE_CHARS) return;
    pieces.push(Buffer.from(text));
    text = '';
  };
  let first = true;
  for (const [key, value] of Object.entries(payload)) {
    // As JSON.stringify does: an undefined field is left out.
    if (value === undefined) continue;
    add(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (!Array.isArray(value)) {
      add(JSON.stringify(value));
      continue;
    }
    add('[');
    for (const [i, item] of value.entries()) add(`${i ? ',' : ''}${JSON.stringify(item) ?? 'null'}`);
    add(']');
  }
  pieces.push(Buffer.from(`${text}}\n\n`));
  return pieces;
}
