import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSseParser, type SseMessage } from '../src/sse.js';

const parse = (chunks: string[]) => {
  const messages: SseMessage[] = [];
  const parser = createSseParser((message) => messages.push(message));
  for (const chunk of chunks) parser.push(chunk);
  return messages;
};

test('the SSE parser: LF, CRLF and CR line ends, split anywhere; comments; data lines joined; no event without data', () => {
  const stream =
    'retry: 1000\n\n: keep-alive\n\nid: 7\nevent: ready\ndata: {"v":1}\n\nid: 8\r\nevent: action\r\ndata: a\r\ndata:b\r\n\r\ndata: plain\r\rdata: unfinished';
  const expected: SseMessage[] = [
    { event: 'ready', data: '{"v":1}', id: '7' },
    { event: 'action', data: 'a\nb', id: '8' },
    { event: 'message', data: 'plain', id: undefined },
  ];
  assert.deepEqual(parse([stream]), expected);
  // One character at a time: a CRLF split between chunks is still one line end.
  assert.deepEqual(parse([...stream]), expected);
});
