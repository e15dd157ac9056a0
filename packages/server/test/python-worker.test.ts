/**
 * The Python worker in docs/protocol.md, run as printed with the machine's python3 (standard
 * library only) against a real server: the example stays true as the protocol moves.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { openStream, promValue, startServer } from './helpers.js';

const TOKEN = 'python-worker-token';

test('the Python worker of docs/protocol.md registers, heartbeats, performs an action, logs and deregisters', async () => {
  const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
  const blocks = [...doc.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  assert.equal(blocks.length, 1, 'one Python block in docs/protocol.md');

  // Heartbeats a second apart: the action requested once the worker registered has two to ride on,
  // even on a busy machine.
  const t = await startServer({ heartbeatIntervalMs: 1000, workerTokens: [TOKEN] });
  try {
    const stream = await openStream(t.url);
    const worker = promisify(execFile)('python3', ['-c', blocks[0]!], {
      env: { PATH: process.env.PATH, PULSE_URL: t.url, PULSE_WORKER_TOKEN: TOKEN },
      timeout: 30_000,
    });
    // An operator acts while it runs: a later heartbeat hands the action over, the worker answers.
    // python3 itself may take seconds to start on a loaded machine.
    await stream.next('worker_registered', undefined, 20_000);
    const requested = await t.api.post('/api/actions', { worker: 'report-1', action: 'rebuild' });
    assert.equal(requested.status, 202);
    await worker;
    const done = await stream.next('action_completed');
    assert.deepEqual(
      { id: done.data.action.id, status: done.data.action.status, message: done.data.action.message },
      { id: requested.body.id, status: 'ok', message: 'rebuilt' },
    );

    const registered = await stream.next('worker_registered');
    assert.deepEqual(
      { id: registered.data.worker.id, queue: registered.data.worker.queue },
      { id: 'report-1', queue: 'reports' },
    );
    await stream.next('worker_status_change', (e) => e.data.to === 'healthy' && e.data.reason === 'reported');
    const log = await stream.next('log');
    assert.deepEqual(
      log.data.entries.map(({ workerId, level, message }) => ({ workerId, level, message })),
      [{ workerId: 'report-1', level: 'info', message: '3 reports built' }],
    );
    const gone = await stream.next('worker_deregistered');
    assert.deepEqual(gone.data, { v: 1, id: 'report-1', reason: 'requested' });
    const prometheus = (await t.api.get('/metrics')).body as string;
    assert.equal(promValue(prometheus, 'pulseboard_heartbeats_total'), 3, 'three heartbeats');
    stream.close();
  } finally {
    await t.close();
  }
});
