import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { createSseParser, type SseMessage } from '../src/transport/sse-parser.js';

type Output = ['message', SseMessage] | ['retry', number] | ['problem', string];

/** Feeds `chunks` to our parser and returns what it reported, in order. */
function ours(chunks: readonly string[], maxChars = 1 << 20): Output[] {
  const out: Output[] = [];
  const feed = createSseParser(
    {
      message: (message) => out.push(['message', message]),
      retry: (ms) => out.push(['retry', ms]),
      problem: (kind) => out.push(['problem', kind]),
    },
    maxChars,
  );
  for (const chunk of chunks) feed(chunk);
  return out;
}

/** The same through eventsource-parser, the library the parser replaces in the bundle. */
function reference(chunks: readonly string[]): Output[] {
  const out: Output[] = [];
  const parser = createParser({
    onEvent: ({ event, id, data }) => out.push(['message', { event, id, data }]),
    onRetry: (ms) => out.push(['retry', ms]),
    onError: (error) => out.push(['problem', error.type]),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return out;
}

const message = (data: string, event?: string, id?: string): Output => ['message', { event, id, data }];

test('sse parser: fields, comments, line ends and dispatch as the HTML standard says', () => {
  const stream =
    ': a comment\r\n' +
    'id: 7-1\nevent: log\ndata: {"a":1}\n\n' +
    'data:no space\rdata:  two spaces\r\r' +
    // `event:` alone dispatches nothing: a message needs data.
    'event: empty\n\n' +
    'data\n\n' +
    'id: has\0nul\ndata: x\n\n' +
    'retry: 2500\nretry: soon\nbogus: 1\n\n' +
    'data: unfinished';
  assert.deepEqual(ours([stream]), [
    message('{"a":1}', 'log', '7-1'),
    message('no space\n two spaces'),
    // `data` without a colon: a message with empty data.
    message(''),
    // An id holding NUL is ignored.
    message('x'),
    ['retry', 2500],
    ['problem', 'invalid-retry'],
    ['problem', 'unknown-field'],
  ]);
});

test('sse parser: a CRLF split between chunks ends one line, not two', () => {
  assert.deepEqual(ours(['data: a\r', '\n', 'data: b\r', '\ndata: c\n\n']), [message('a\nb\nc')]);
  assert.deepEqual(ours(['data: a\r', '', '\n\n']), [message('a')], 'an empty chunk keeps the CR state');
  assert.deepEqual(ours(['data: a\r', '\r']), [message('a')], 'CR CR is a line end and a blank line');
});

test('sse parser: a message that never ends throws past the limit', () => {
  const feed = createSseParser({ message() {}, retry() {}, problem() {} }, 100);
  feed(`data: ${'x'.repeat(50)}`);
  assert.throws(() => feed('x'.repeat(60)), /longer than 100/);
  const lines = createSseParser({ message() {}, retry() {}, problem() {} }, 100);
  // Many short data lines without the blank line that would end the message.
  assert.throws(() => {
    for (let i = 0; i < 40; i++) lines('data: abc\n');
  }, /longer than 100/);
});

// 16 MB in 16,000 chunks: tens of milliseconds when each chunk is scanned once, hours for a parser
// that scans what it holds again with every chunk. It yields now and then so the timeout can say so.
test('sse parser: a large message in many small chunks arrives whole, in linear time', {
  timeout: 30_000,
}, async () => {
  const data = 'x'.repeat(16 << 20);
  const stream = `id: 1-1\nevent: initial_data\ndata: ${data}\n\n`;
  const out: SseMessage[] = [];
  const feed = createSseParser({ message: (m) => out.push(m), retry() {}, problem() {} }, 64 << 20);
  for (let at = 0, n = 0; at < stream.length; at += 1024, n++) {
    feed(stream.slice(at, at + 1024));
    if (n % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(out.length, 1);
  assert.deepEqual(out[0], { event: 'initial_data', id: '1-1', data });
});

// Lines built from the pieces that matter, joined by any line end, cut into chunks anywhere:
// the two parsers must report the same messages, retries and problems in the same order. Each
// stream ends with a LF: eventsource-parser holds a line that ends with CR until the next character
// shows whether it was a CRLF, where this parser reads the line at once and skips that LF if it comes.
const field = fc.constantFrom('data', 'event', 'id', 'retry', 'other', '');
const value = fc.oneof(
  fc.constantFrom('', ' ', 'x', ' x', '  x', '1500', '12a', 'a:b', '\0'),
  fc.string({ maxLength: 6 }).map((s) => s.replace(/[\r\n]/g, '')),
);
const line = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.tuple(field, fc.boolean(), value).map(([f, colon, v]) => (colon ? `${f}:${v}` : f)),
  },
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: value.map((v) => `:${v}`) },
);
const stream = fc
  .array(fc.tuple(line, fc.constantFrom('\n', '\r', '\r\n')), { maxLength: 30 })
  .map((lines) => lines.map(([l, end]) => l + end).join(''));
const chunked = stream.chain((text) =>
  fc.uniqueArray(fc.nat({ max: text.length }), { maxLength: 8 }).map((cuts) => {
    const points = [0, ...cuts.sort((a, b) => a - b), text.length];
    return points.slice(1).map((end, i) => text.slice(points[i], end));
  }),
);

test('sse parser: reports what eventsource-parser reports, for any stream cut anywhere', () => {
  fc.assert(
    fc.property(chunked, (chunks) => {
      const all = [...chunks, '\n'];
      assert.deepEqual(ours(all), reference(all));
    }),
    { numRuns: 2000 },
  );
});
