/**
 * The reporter's dead letters (issue 16) against a real server: merged per
 * queue and coalesced, split to fit the server's caps, clipped before
 * sending, and retried after a failure.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DeadLetter, DeadLetterInput } from '@pulseboard/protocol';
import { createReporter } from '@pulseboard/reporter';
import { openStream, startServer } from '../../server/test/helpers.js';

const letter = (id: string, ago = 0, stack = 'Error: boom\n    at run (job.js:1:1)'): DeadLetterInput => ({
  id,
  failedAt: Date.now() - ago,
  attempts: 5,
  error: { message: `boom ${id}`, stack },
  payload: { id },
});

async function list(url: string, queue: string): Promise<DeadLetter[]> {
  const entries: DeadLetter[] = [];
  let cursor = '';
  do {
    const response = await fetch(
      `${url}/api/dead-letters?queue=${queue}&limit=1000${cursor && `&cursor=${cursor}`}`,
    );
    const page = (await response.json()) as { deadLetters: DeadLetter[]; nextCursor: string | null };
    entries.push(...page.deadLetters);
    cursor = page.nextCursor ?? '';
  } while (cursor);
  return entries;
}

test('reportDeadLetters: merged, coalesced, split to fit, clipped, and sent again after a failure', async () => {
  const t = await startServer();
  const requests: number[] = [];
  const errors: Error[] = [];
  let failNext = false;
  const reporter = createReporter({
    url: t.url,
    worker: { id: 'dl-1', queue: 'mail' },
    heartbeatIntervalMs: 200,
    onError: (error) => errors.push(error),
    fetch: async (input, init) => {
      if (String(input).endsWith('/dead-letters')) {
        requests.push(String(init?.body).length);
        if (failNext) {
          failNext = false;
          throw new TypeError('fetch failed');
        }
      }
      return fetch(input, init);
    },
  });
  // Reported before start: sent once registered.
  reporter.reportDeadLetters('mail', { added: [letter('early')] });
  const stream = await openStream(t.url, { query: { types: 'dead_letters_update' } });
  await reporter.start();
  await stream.next('dead_letters_update', (e) => e.data.added.some((a) => a.id === 'early'));

  // Many changes in a burst: merged per id (the latest wins), one round of requests.
  requests.length = 0;
  for (let i = 0; i < 50; i++) reporter.reportDeadLetters('mail', { added: [letter(`j${i}`, i)] });
  reporter.reportDeadLetters('mail', { removed: ['j0', 'early'] });
  reporter.reportDeadLetters('mail', { added: [letter('j1', 1, 'retried and failed again')] });
  await stream.next('dead_letters_update', (e) => e.data.removed.includes('early'));
  assert.equal(requests.length, 1);
  const entries = await list(t.url, 'mail');
  assert.equal(entries.length, 49);
  assert.equal(entries.find((e) => e.id === 'j1')?.error.stack, 'retried and failed again');
  assert.ok(!entries.some((e) => e.id === 'j0' || e.id === 'early'));

  // 2,505, five with 20 KB stacks (clipped to 16 KiB before sending), in requests within the caps.
  requests.length = 0;
  const many = Array.from({ length: 2505 }, (_, i) =>
    letter(`m${i}`, 100 + i, 's'.repeat(i < 5 ? 20_000 : 500)),
  );
  reporter.reportDeadLetters('mail', { replace: true, added: many });
  await stream.next('dead_letters_update', (e) => e.data.total === 2505);
  // Three by count alone (1,000 at most each), more by size (512 K characters each).
  assert.ok(requests.length >= 4, `${requests.length} requests`);
  assert.ok(
    requests.every((chars) => chars < 1024 * 1024),
    `request sizes ${requests}`,
  );
  const replaced = await list(t.url, 'mail');
  assert.equal(replaced.length, 2505);
  assert.deepEqual(
    replaced.filter((e) => e.clipped?.includes('stack')).map((e) => e.id),
    ['m0', 'm1', 'm2', 'm3', 'm4'],
  );
  const clipped = replaced[0]?.error.stack ?? '';
  assert.equal(clipped, `${'s'.repeat(16_320)}… [truncated: 3,680 more characters]`);
  assert.equal(replaced[0]?.id, 'm0');

  // A failed send is kept and goes with the next heartbeat.
  failNext = true;
  reporter.reportDeadLetters('mail', { removed: ['m0'] });
  await stream.next('dead_letters_update', (e) => e.data.removed.includes('m0'), 5000);
  assert.ok(!(await list(t.url, 'mail')).some((e) => e.id === 'm0'));
  assert.match(String(errors.at(-1)), /fetch failed/);

  await reporter.stop();
  stream.close();
  await t.close();
});
