// Reads Server-Sent Events with nothing but Node's fetch: the consumer scripts
// use it to see what a server holds, the way a dashboard would.

/** The first event of `url` (initial_data on a Pulseboard stream), parsed; then disconnects. */
export async function firstEvent(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`${url} ended before its first event`);
    text += value;
    for (const block of text.split('\n\n').slice(0, -1)) {
      const fields = Object.fromEntries(
        block
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
      );
      if (fields.data === undefined) continue;
      await reader.cancel();
      return { event: fields.event, data: JSON.parse(fields.data) };
    }
  }
}
