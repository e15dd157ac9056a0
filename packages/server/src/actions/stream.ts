import type { ServerResponse } from 'node:http';
import { PROTOCOL_VERSION } from '@pulseboard/protocol';
import { encodeFrame, encodeRetry } from '../sse/frame.js';
import { type ActionSink, toDelivery } from './service.js';

/** `Last-Event-ID` of an action stream: a delivery number, or null (a first connection, or garbage). */
export function resumePoint(header: string): number | null {
  return /^\d{1,15}$/.test(header) ? Number(header) : null;
}

/**
 * A worker's action stream on its response: a retry line and a `ready` event
 * (with `id:` the latest delivery number when the stream starts afresh, so a
 * resume covers whatever comes after it), then one `action` event per action,
 * its `id:` the delivery number, and a comment every `keepAliveMs` so a dead
 * connection is found. `onKeepAlive` runs with each.
 */
export function openActionStream(
  res: ServerResponse,
  options: { retryMs: number; startSeq: number | null; keepAliveMs: number; onKeepAlive: () => void },
): ActionSink & { closed: Promise<void> } {
  res.shouldKeepAlive = false;
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  });
  res.socket?.setNoDelay(true);
  const ready = JSON.stringify({ v: PROTOCOL_VERSION });
  res.write(
    Buffer.concat([
      encodeRetry(options.retryMs),
      options.startSeq === null
        ? Buffer.from(`event: ready\ndata: ${ready}\n\n`)
        : encodeFrame(String(options.startSeq), 'ready', ready),
    ]),
  );
  const timer = setInterval(() => {
    res.write(': keep-alive\n\n');
    options.onKeepAlive();
  }, options.keepAliveMs);
  const closed = new Promise<void>((resolve) => {
    res.once('close', () => {
      clearInterval(timer);
      resolve();
    });
  });
  return {
    closed,
    send({ seq, action }) {
      if (!res.writableEnded)
        res.write(encodeFrame(String(seq), 'action', JSON.stringify(toDelivery(action))));
    },
    end() {
      if (!res.writableEnded) res.end(() => res.destroy());
    },
  };
}
