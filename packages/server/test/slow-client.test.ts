import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect } from 'node:net';
import { test } from 'node:test';
import { metrics, openStream, promValue, startServer } from './helpers.js';

const SOFT = 16 * 1024;
const HARD = 256 * 1024;

test('a client that never reads is cut off at the hard bound; the others get everything', async () => {
  const t = await startServer({
    sseSoftLimitBytes: SOFT,
    sseHardLimitBytes: HARD,
    bodyLimitBytes: 1024 * 1024,
  });
  try {
    await t.api.post('/api/workers', { id: 'chatty' });
    const reader = await openStream(t.url);
    // A raw socket that asks for the stream and then never reads a byte.
    const stalled = connect(t.port, '127.0.0.1');
    await once(stalled, 'connect');
    stalled.pause();
    stalled.write('GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const scrape = async () => (await t.api.get('/metrics')).body as string;
    const clients = async () => promValue(await scrape(), 'pulseboard_sse_clients');
    while ((await clients()) < 2) await new Promise((resolve) => setTimeout(resolve, 5));

    const line = 'z'.repeat(8000);
    const batch = { entries: Array.from({ length: 25 }, () => ({ level: 'info', message: line })) };
    let frameBytes = 0;
    let maxBuffered = 0;
    let sent = 0;
    // The kernel's socket buffers absorb a few MB first; after that the server's own queue grows to the bound.
    while (promValue(await scrape(), 'pulseboard_sse_clients_dropped_total') === 0) {
      assert.ok(sent < 1000, 'the stalled client was never dropped');
      const response = await t.api.post('/api/workers/chatty/logs', batch);
      assert.equal(response.status, 202);
      sent++;
      const text = await scrape();
      maxBuffered = Math.max(maxBuffered, promValue(text, 'pulseboard_sse_buffered_bytes'));
      frameBytes ||= JSON.stringify(batch).length + 2000;
    }
    assert.ok(maxBuffered <= HARD + frameBytes, `queued at most the bound plus one frame (${maxBuffered})`);
    const after = await scrape();
    assert.equal(promValue(after, 'pulseboard_sse_clients_dropped_total', 'reason="slow"'), 1);
    assert.equal(promValue(after, 'pulseboard_sse_clients'), 1);
    assert.ok(promValue(after, 'pulseboard_sse_buffered_bytes') < HARD);

    await reader.until(() => reader.of('log').length === sent, `${sent} logs at the reading client`, 10_000);
    stalled.destroy();
    reader.close();
  } finally {
    await t.close();
  }
});

test('past the soft bound, superseded metrics_update events are skipped first', async () => {
  const t = await startServer({
    sseSoftLimitBytes: SOFT,
    sseHardLimitBytes: 64 * 1024 * 1024,
    bodyLimitBytes: 1024 * 1024,
    metricsIntervalMs: 5,
  });
  try {
    await t.api.post('/api/workers', { id: 'busy' });
    const stalled = connect(t.port, '127.0.0.1');
    await once(stalled, 'connect');
    stalled.pause();
    stalled.write('GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n');
    const scrape = async () => (await t.api.get('/metrics')).body as string;
    while (promValue(await scrape(), 'pulseboard_sse_clients') < 1)
      await new Promise((r) => setTimeout(r, 5));

    // Fill the socket past the soft bound with logs, interleaving heartbeats that produce metrics_update.
    const batch = {
      entries: Array.from({ length: 25 }, () => ({ level: 'info', message: 'm'.repeat(8000) })),
    };
    let logs = 0;
    while (promValue(await scrape(), 'pulseboard_sse_buffered_bytes') < SOFT * 4) {
      assert.ok(logs < 1000, 'never got past the soft bound');
      await t.api.post('/api/workers/busy/logs', batch);
      logs++;
    }
    const before = promValue(await scrape(), 'pulseboard_events_logged_total', 'type="metrics_update"');
    for (let i = 0; i < 20; i++) {
      await t.api.post('/api/workers/busy/heartbeat', { metrics: metrics({ cpu: i }) });
      await new Promise((r) => setTimeout(r, 10));
    }
    await t.api.post('/api/workers/busy/logs', { entries: [{ level: 'info', message: 'last' }] });
    const logged =
      promValue(await scrape(), 'pulseboard_events_logged_total', 'type="metrics_update"') - before;
    assert.ok(logged > 0);

    // Now read everything the server queued for the stalled client.
    let text = '';
    stalled.setEncoding('utf8');
    stalled.on('data', (chunk: string) => {
      text += chunk;
    });
    stalled.resume();
    const deadline = Date.now() + 10_000;
    while (!text.includes('"message":"last"')) {
      assert.ok(Date.now() < deadline, 'the last log never arrived');
      await new Promise((r) => setTimeout(r, 10));
    }
    const count = (type: string) => text.split(`event: ${type}\n`).length - 1;
    assert.equal(count('log'), logs + 1, 'no log was skipped');
    assert.equal(
      count('metrics_update'),
      0,
      `all ${logged} metrics_update events were skipped while over the soft bound`,
    );
    stalled.destroy();
  } finally {
    await t.close();
  }
});
