/**
 * The dashboard acting on real BullMQ, end to end: a redis-server, a BullMQ
 * Queue and Worker and the @pulseboard/bullmq adapter in the runner's process
 * (bullmq-plugin.mjs), a real Pulseboard server, and the elements in Chromium.
 * An operator opens the failed job in <dlq-monitor>, retries it, and BullMQ
 * runs it again; pauses the queue from <queues-view>, and BullMQ says it is paused.
 */
import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import '@pulseboard/widgets/define.js';
import type { DlqMonitor } from '@pulseboard/widgets';
import {
  mountConnected,
  startServer,
  type TestServer,
  textOf,
  unmountAll,
  until,
} from '../../../packages/widgets/test/drive-workers.js';

interface JobView {
  state: string | null;
  runs: number;
  returnvalue: unknown;
}

const job = (id: string) => executeServerCommand<JobView, { id: string }>('pulse-bullmq-job', { id });

describe('BullMQ from the dashboard', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
    await executeServerCommand('pulse-bullmq-start', { server: server.url, queue: 'invoices' });
  });

  afterEach(async () => {
    unmountAll();
    await executeServerCommand('pulse-bullmq-stop');
    await server.stop();
  });

  it('a failed job opens with its stack; Retry in the entry makes BullMQ run it again, and it leaves the list', async () => {
    const id = (await executeServerCommand<string, { data: unknown }>('pulse-bullmq-fail', {
      data: { invoice: 7 },
    })) as string;
    const { el } = await mountConnected<DlqMonitor>(server, '<dlq-monitor></dlq-monitor>', 'dlq-monitor');
    const root = el.shadowRoot as ShadowRoot;
    await until(() => textOf(el).includes('invoices'), 'the queue');
    el.openDeadLetters('invoices');
    const row = await until(
      () => root.querySelector<HTMLElement>('.dl-row'),
      'the failed job listed',
      10_000,
    );
    expect(row.textContent).to.contain('Invoice 7: PDF renderer timed out after 30000 ms');
    row.click();
    const detail = await until(() => root.querySelector<HTMLElement>('.dl-detail'), 'the open entry');
    expect(detail.querySelector('.dl-stack')?.textContent).to.match(
      /^Error: Invoice 7: PDF renderer timed out after 30000 ms\n\s+at /,
    );
    expect(detail.querySelector('.dl-payload')?.textContent).to.equal(
      JSON.stringify({ invoice: 7 }, null, 2),
    );
    expect((await job(id)).runs).to.equal(1);

    const retry = await until(
      () =>
        [...detail.querySelectorAll<HTMLButtonElement>('[part~="dead-letter-actions"] button')].find(
          (b) => b.textContent?.trim() === 'Retry',
        ),
      'Retry',
    );
    retry.click();
    await until(
      () =>
        detail.querySelector('[part~="action-status"]')?.textContent?.trim() ===
        `Retry done: Job ${id} moved back to waiting`,
      'the outcome in place',
      10_000,
    );
    // BullMQ's own view: run again, and completed this time.
    const after = await until(async () => {
      const view = await job(id);
      return view.state === 'completed' ? view : null;
    }, 'the job completed');
    expect(after).to.deep.equal({ state: 'completed', runs: 2, returnvalue: 'rendered' });
    await until(
      () => root.querySelectorAll('.dl-row').length === 0,
      'the job gone from the dead letters',
      10_000,
    );
  });

  it('Pause in <queues-view> pauses the BullMQ queue', async () => {
    const { el } = await mountConnected<HTMLElement>(server, '<queues-view></queues-view>', 'queues-view');
    const root = el.shadowRoot as ShadowRoot;
    const control = await until(
      () => root.querySelector<HTMLButtonElement>('[part~="action"]'),
      'the control',
      10_000,
    );
    control.click();
    const dialog = await until(() => root.querySelector('dialog[open]'), 'the actions');
    [...dialog.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Pause')?.click();
    await until(
      () =>
        root.querySelector('[part~="action-status"]')?.getAttribute('title') ===
        'Pause done: Paused: Workers take no new jobs',
      'the outcome',
      10_000,
    );
    expect(await executeServerCommand('pulse-bullmq-paused')).to.equal(true);
  });
});
