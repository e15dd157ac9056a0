/** The adapter's pure parts: the stats mapping, the rate window, CLIENT LIST parsing, ids and flags. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIMITS } from '@pulseboard/protocol';
import { parseCliArgs, USAGE } from '../src/cli-args.js';
import { workerConnections } from '../src/connections.js';
import { idPart, queueLabel } from '../src/ids.js';
import { createRateWindow } from '../src/rate.js';
import { changedStats, toQueueStats } from '../src/stats.js';

const b64 = (name: string) => Buffer.from(name).toString('base64');

describe('toQueueStats', () => {
  it('maps every BullMQ state as the README table says', () => {
    const stats = toQueueStats(
      {
        waiting: 1,
        paused: 2,
        prioritized: 4,
        delayed: 8,
        'waiting-children': 16,
        active: 3,
        completed: 30,
        failed: 5,
      },
      1.5,
    );
    assert.deepEqual(stats, {
      depth: 31,
      inFlight: 3,
      processed: 30,
      failed: 5,
      deadLetter: 5,
      ratePerSec: 1.5,
    });
    assert.deepEqual(changedStats(stats, { ...stats, depth: 30 }), { depth: 30 });
    assert.deepEqual(changedStats(stats, stats), {});
  });
});

describe('createRateWindow', () => {
  it('averages completions over the window, or over the time watched while shorter', () => {
    const rate = createRateWindow(10_000, 0);
    for (let i = 0; i < 20; i++) rate.record(1000 + i * 100);
    assert.equal(rate.perSec(4000), 5);
    assert.equal(rate.perSec(10_000), 2);
    // The completions have left the window.
    assert.equal(rate.perSec(13_500), 0);
  });
});

describe('workerConnections', () => {
  it("reads BullMQ Workers' connections per queue from CLIENT LIST, and nothing else", () => {
    const list = [
      `id=7 addr=10.0.0.1:5000 laddr=x fd=9 name=bull:${b64('mail')} age=12 idle=0`,
      `id=8 addr=10.0.0.2:5001 name=bull:${b64('mail')}:w:mailer-1 age=3 idle=0`,
      `id=9 addr=10.0.0.3:5002 name=bull:${b64('mail')}:qe age=3`,
      `id=10 addr=10.0.0.3:5003 name=other:${b64('mail')} age=3`,
      'id=11 addr=10.0.0.3:5004 name= age=3',
      `id=12 addr=10.0.0.3:5004 name=bull:not*base64 age=3`,
    ].join('\n');
    const byQueue = workerConnections(list, 'bull');
    assert.deepEqual([...byQueue.keys()], ['mail']);
    assert.deepEqual(byQueue.get('mail'), [
      { clientId: '7', workerName: '', addr: '10.0.0.1:5000', ageSec: 12 },
      { clientId: '8', workerName: 'mailer-1', addr: '10.0.0.2:5001', ageSec: 3 },
    ]);
  });
});

describe('ids', () => {
  it('keeps a safe queue name, and makes any other a valid id that still tells names apart', () => {
    assert.equal(idPart('orders.v2'), 'orders.v2');
    const [a, b] = [idPart('ordres à payer'), idPart('ordres à payér')];
    assert.notEqual(a, b);
    for (const id of [a, b, idPart('x'.repeat(500))]) assert.match(id, LIMITS.idPattern);
    assert.equal(queueLabel('q'), 'q');
    assert.ok(queueLabel('y'.repeat(500)).length <= LIMITS.queueMax);
  });
});

describe('parseCliArgs', () => {
  it('reads flags over the environment, and refuses what is missing or wrong', () => {
    const parsed = parseCliArgs(['--redis', 'redis://r:6379', '--queues', 'a, b', '--reconcile', '2000'], {
      PULSE_SERVER_URL: 'http://s:8090',
      PULSE_WORKER_TOKEN: 'tok',
    });
    assert.equal(parsed.help, false);
    if (parsed.help) return;
    assert.deepEqual(parsed.options.queues, ['a', 'b']);
    assert.equal(parsed.options.serverUrl, 'http://s:8090');
    assert.equal(parsed.options.token, 'tok');
    assert.equal(parsed.options.reconcileMs, 2000);
    assert.equal(parsed.options.deadLettersMax, undefined);
    assert.equal(parsed.options.actions, true);
    const readOnly = parseCliArgs(
      ['--redis', 'r', '--server', 's', '--dead-letters', '0', '--read-only'],
      {},
    );
    assert.ok(!readOnly.help && readOnly.options.deadLettersMax === 0 && readOnly.options.actions === false);
    assert.throws(
      () => parseCliArgs(['--redis', 'r', '--server', 's', '--dead-letters', '1.5'], {}),
      /--dead-letters expects a whole number, 0 or more, got "1.5"/,
    );
    assert.throws(() => parseCliArgs(['--server', 'http://s'], {}), /--redis is required/);
    assert.throws(() => parseCliArgs(['--redis', 'redis://r'], {}), /--server is required/);
    assert.throws(
      () => parseCliArgs(['--redis', 'r', '--server', 's', '--reconcile', 'soon'], {}),
      /--reconcile expects a positive number of ms, got "soon"/,
    );
    assert.throws(
      () => parseCliArgs(['--redis', 'r', '--server', 's', '--queues', ' , '], {}),
      /names no queue/,
    );
    assert.throws(() => parseCliArgs(['--bogus'], {}), /Unknown option '--bogus'/);
    assert.deepEqual(parseCliArgs(['-h'], {}), { help: true });
    for (const flag of [
      '--redis',
      '--server',
      '--queues',
      '--prefix',
      '--worker-token',
      '--reconcile',
      '--rate-window',
      '--dead-letters',
      '--read-only',
    ]) {
      assert.ok(USAGE.includes(flag), `--help describes ${flag}`);
    }
  });
});
