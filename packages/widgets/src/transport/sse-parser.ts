/** One message of an event stream: its `event` and `id` fields (when the message had them) and its data. */
export interface SseMessage {
  event: string | undefined;
  id: string | undefined;
  data: string;
}

export interface SseHandlers {
  message(message: SseMessage): void;
  /** A `retry:` field: the reconnection delay the server asks for, in ms. */
  retry(ms: number): void;
  /** A line the stream format does not define: `unknown-field` or `invalid-retry`. */
  problem(kind: 'unknown-field' | 'invalid-retry'): void;
}

/**
 * Event stream parsing after the HTML standard (§9.2.6), fed decoded text in
 * chunks of any size: lines end with CRLF, LF or CR (a CRLF may be split
 * between chunks), `:` starts a comment, a blank line dispatches the message
 * if it had data, data lines join with LF. Ids are reported per message, as
 * eventsource-parser reports them, and a block without data goes whole, id
 * included (Pulseboard's server sends none); the standard's last-event-ID
 * buffer, which lasts from message to message, is the transport's resume
 * point, kept with `admit`. A test holds this parser to eventsource-parser on
 * random streams and splits. Written out
 * rather than imported: it is a fifth of that library's size, and the bundle
 * has a size budget.
 *
 * Each chunk is scanned once, so a megabyte snapshot arriving in many small
 * chunks costs linear time. A message longer than `maxChars` throws: a stream
 * that never ends one is broken, not slow.
 */
export function createSseParser(handlers: SseHandlers, maxChars: number): (chunk: string) => void {
  /** The unfinished line at the end of the last chunk. */
  let partial = '';
  /** The last chunk ended with CR: a LF at the start of the next one ends the same line. */
  let afterCarriageReturn = false;
  /** Undefined until the message has a `data` field. */
  let data: string | undefined;
  let event: string | undefined;
  let id: string | undefined;

  const readLine = (line: string): void => {
    if (line === '') {
      if (data !== undefined) handlers.message({ event, id, data });
      data = event = id = undefined;
      return;
    }
    const colon = line.indexOf(':');
    if (colon === 0) return;
    const field = colon < 0 ? line : line.slice(0, colon);
    // One space after the colon is part of the syntax, not of the value.
    const value = colon < 0 ? '' : line.slice(line[colon + 1] === ' ' ? colon + 2 : colon + 1);
    if (field === 'data') data = data === undefined ? value : `${data}\n${value}`;
    else if (field === 'event') event = value || undefined;
    else if (field === 'id') {
      if (!value.includes('\0')) id = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value)) handlers.retry(Number(value));
      else handlers.problem('invalid-retry');
    } else handlers.problem('unknown-field');
  };

  return (chunk) => {
    if (chunk === '') return;
    let start = afterCarriageReturn && chunk[0] === '\n' ? 1 : 0;
    const lineEnd = /\r\n?|\n/g;
    lineEnd.lastIndex = start;
    for (let end = lineEnd.exec(chunk); end; end = lineEnd.exec(chunk)) {
      readLine(partial + chunk.slice(start, end.index));
      partial = '';
      start = lineEnd.lastIndex;
    }
    afterCarriageReturn = chunk.endsWith('\r');
    partial += chunk.slice(start);
    if (partial.length + (data?.length ?? 0) > maxChars)
      throw new Error(`A message longer than ${maxChars} characters`);
  };
}
