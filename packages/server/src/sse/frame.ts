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
