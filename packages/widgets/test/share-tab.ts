// A tab for the cross-tab sharing tests: an <sse-connection> for `?src=` that
// records every `seq=N` log line it receives, read back by the test through puppeteer.
import type { EventPayloads } from '@pulseboard/protocol';
import '../src/define.js';

const params = new URLSearchParams(location.search);
const connection = document.createElement('sse-connection');
connection.src = params.get('src');
if (params.get('shared') === 'false') connection.setAttribute('shared', 'false');
document.body.append(connection);

const seqs: number[] = [];
connection.client.subscribe('log', (data) => {
  // Raw data is unchecked; this server's is a log payload.
  for (const entry of (data as EventPayloads['log']).entries) {
    const match = /^seq=(\d+)$/.exec(entry.message);
    if (match) seqs.push(Number(match[1]));
  }
});

Object.assign(globalThis, {
  tab: {
    seqs,
    role: () => connection.client.role,
    state: () => connection.client.state,
    workers: () => [...connection.client.data.workers.keys()],
  },
});
