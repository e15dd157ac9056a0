import { expect } from '@open-wc/testing';
import type { DeadLetterInput } from '@pulseboard/protocol';
import { sendKeys } from '@web/test-runner-commands';
import '../define.js';
import {
  HOSTILE,
  mountConnected,
  queueStats,
  serverPerTest,
  type TestServer,
  until,
} from '../../test/drive-workers.js';
import type { DlqMonitor } from './dlq-monitor.js';

const letter = (id: string, ago: number, extra: Partial<DeadLetterInput> = {}): DeadLetterInput => ({
  id,
  name: 'send-welcome-email',
  failedAt: Date.now() - ago,
  attempts: 3,
  error: {
    message: `SMTP 421 for ${id}`,
    stack: `Error: SMTP 421 for ${id}\n    at Mailer.send (src/mailer.ts:88:11)\n    at processJob (src/worker.ts:41:5)`,
  },
  payload: { to: `${id}@example.com`, template: 'welcome' },
  ...extra,
});

const root = (el: DlqMonitor) => el.shadowRoot as ShadowRoot;
const dialog = (el: DlqMonitor) => root(el).querySelector<HTMLDialogElement>('dialog.dl');
const rows = (el: DlqMonitor) => [...root(el).querySelectorAll<HTMLElement>('.dl-row')];
const detail = (el: DlqMonitor) => root(el).querySelector<HTMLElement>('.dl-detail');

/** A worker of `queue` with `letters` dead letters, and a monitor showing it, its queue row clicked. */
async function opened(server: TestServer, letters: DeadLetterInput[], queue = 'email'): Promise<DlqMonitor> {
  await server.register({
    id: 'm1',
    name: 'Mailer',
    queue,
    queueStats: queueStats({ deadLetter: letters.length }),
  });
  for (let i = 0; i < letters.length; i += 1000) {
    await server.deadLetters('m1', { queue, added: letters.slice(i, i + 1000) });
  }
  const { el } = await mountConnected<DlqMonitor>(server, '<dlq-monitor></dlq-monitor>', 'dlq-monitor');
  const pick = await until(
    () =>
      [...root(el).querySelectorAll<HTMLElement>('[data-pick] .pick')].find((b) => b.textContent === queue),
    'the queue row',
  );
  pick.click();
  await until(() => dialog(el)?.open && rows(el).length > 0, 'the dialog with its rows', 10_000);
  return el;
}

describe('<dlq-monitor> dead letters', () => {
  const fx = serverPerTest();

  it('opens a queue’s dead letters newest first, and each entry to its error, stack, attempts, time and payload', async () => {
    const el = await opened(fx.server, [letter('old', 3000), letter('new', 1000), letter('mid', 2000)]);
    expect(el.deadLetterQueue).to.equal('email');
    expect(rows(el).map((r) => r.querySelector('.dl-msg')?.textContent)).to.deep.equal([
      'SMTP 421 for new',
      'SMTP 421 for mid',
      'SMTP 421 for old',
    ]);
    expect(root(el).querySelector('.dl-count')?.textContent).to.equal('3 dead letters');
    rows(el)[1]?.click();
    const open = await until(() => detail(el), 'the open entry');
    expect(open.querySelector('h3')?.textContent).to.equal('SMTP 421 for mid');
    const stack = open.querySelector<HTMLElement>('.dl-stack') as HTMLElement;
    expect(stack.textContent).to.contain('at Mailer.send (src/mailer.ts:88:11)');
    expect(getComputedStyle(stack).whiteSpace).to.equal('pre-wrap');
    expect(getComputedStyle(stack).fontFamily).to.match(/mono|Menlo|Consolas/i);
    expect(open.querySelector('.dl-payload')?.textContent).to.equal(
      JSON.stringify({ to: 'mid@example.com', template: 'welcome' }, null, 2),
    );
    expect(open.textContent).to.contain('Attempts3');
    expect(open.textContent).to.contain('Workerm1');
    // The seam where the worker's actions will go (issue 15).
    expect(open.querySelector('[part~="dead-letter-actions"]')).to.not.equal(null);
  });

  it('follows dead_letters_update: new ones appear, retried ones leave', async () => {
    const el = await opened(fx.server, [letter('a', 2000), letter('b', 1000)]);
    await fx.server.deadLetters('m1', { queue: 'email', added: [letter('c', 0)], removed: ['a'] });
    await until(
      () =>
        rows(el)
          .map((r) => r.querySelector('.dl-msg')?.textContent)
          .join() === 'SMTP 421 for c,SMTP 421 for b',
      'the delta applied',
    );
    expect(root(el).querySelector('.dl-count')?.textContent).to.equal('2 dead letters');
  });

  it('searches message and error; arrows move, Enter opens, Escape closes the entry and then the dialog', async () => {
    const el = await opened(fx.server, [
      letter('a', 4000),
      letter('b', 3000, { error: { message: 'Connection refused by db-7' } }),
      letter('c', 2000),
      letter('d', 1000, { name: 'resize-image' }),
    ]);
    const search = root(el).querySelector<HTMLInputElement>('input[type=search]') as HTMLInputElement;
    search.focus();
    await sendKeys({ type: 'REFUSED' });
    await until(() => rows(el).length === 1, 'one match');
    expect(rows(el)[0]?.textContent).to.contain('Connection refused by db-7');
    expect(root(el).querySelector('.dl-count')?.textContent).to.equal('1 of 4');
    search.value = '';
    search.dispatchEvent(new Event('input'));
    await sendKeys({ type: 'resize' });
    await until(() => rows(el).length === 1 && rows(el)[0]?.textContent?.includes('resize-image'), 'by name');
    search.value = '';
    search.dispatchEvent(new Event('input'));
    await until(() => rows(el).length === 4, 'all again');

    const list = root(el).querySelector<HTMLElement>('.dl-list') as HTMLElement;
    list.focus();
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowDown' });
    await until(() => list.getAttribute('aria-activedescendant') === 'dl-2', 'moved down twice');
    expect(root(el).querySelector('#dl-2')?.getAttribute('aria-selected')).to.equal('true');
    await sendKeys({ press: 'ArrowUp' });
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'Enter' });
    const open = await until(() => detail(el), 'Enter opens');
    expect(open.querySelector('h3')?.textContent).to.equal('Connection refused by db-7');
    await sendKeys({ press: 'Escape' });
    await until(() => !detail(el), 'Escape closes the entry');
    expect(dialog(el)?.open).to.equal(true);
    await sendKeys({ press: 'Escape' });
    await until(() => !dialog(el), 'Escape closes the dialog');
    expect(el.deadLetterQueue).to.equal(null);
  });

  it('copies the payload as JSON text', async () => {
    const el = await opened(fx.server, [letter('copy-me', 0, { payload: { order: 42, lines: ['a', 'b'] } })]);
    rows(el)[0]?.click();
    const copy = await until(
      () => detail(el)?.querySelector<HTMLButtonElement>('.dl-copy'),
      'the copy button',
    );
    copy.click();
    await until(() => detail(el)?.querySelector('.dl-note')?.textContent === 'Copied', 'Copied');
    // Pasted into a field of the page: what the clipboard holds now.
    const field = document.createElement('textarea');
    dialog(el)?.append(field);
    field.focus();
    await sendKeys({ down: 'Control' });
    await sendKeys({ press: 'KeyV' });
    await sendKeys({ up: 'Control' });
    expect(field.value).to.equal(JSON.stringify({ order: 42, lines: ['a', 'b'] }, null, 2));
  });

  it('renders hostile strings as text, clipped stacks with their marker', async () => {
    const el = await opened(
      fx.server,
      [
        letter(HOSTILE, 0, {
          name: HOSTILE,
          error: { message: HOSTILE, stack: `${HOSTILE}\n${'x'.repeat(40_000)}` },
          payload: { html: HOSTILE },
        }),
      ],
      HOSTILE,
    );
    expect(root(el).querySelector('img')).to.equal(null);
    expect(root(el).querySelector('.dl-queue')?.textContent).to.equal(HOSTILE);
    rows(el)[0]?.click();
    const open = await until(() => detail(el), 'the open entry');
    expect(open.querySelector('h3')?.textContent).to.equal(HOSTILE);
    expect(open.querySelector('.dl-stack')?.textContent).to.match(/… \[truncated: [\d,]+ more characters\]$/);
    expect(open.querySelector('.dl-payload')?.textContent).to.contain(HOSTILE);
    expect(root(el).querySelector('img')).to.equal(null);
  });

  it('keeps 10,000 entries windowed: a few dozen rows in the DOM, the last one reachable with End', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => letter(`job-${i}`, i * 10));
    const el = await opened(fx.server, many);
    await until(
      () => root(el).querySelector('.dl-count')?.textContent === '10,000 dead letters',
      'all loaded',
      20_000,
    );
    expect(rows(el).length).to.be.below(80);
    const list = root(el).querySelector<HTMLElement>('.dl-list') as HTMLElement;
    list.focus();
    await sendKeys({ press: 'End' });
    await until(() => root(el).querySelector('#dl-9999'), 'the last row rendered');
    expect(root(el).querySelector('#dl-9999')?.textContent).to.contain('SMTP 421 for job-9999');
    expect(rows(el).length).to.be.below(80);
  });

  it('passes axe with an entry open, in light and dark', async () => {
    const el = await opened(fx.server, [letter('a11y', 0)]);
    rows(el)[0]?.click();
    await until(() => detail(el), 'the open entry');
    el.setAttribute('theme', 'light');
    await el.updateComplete;
    await expect(el).to.be.accessible();
    el.setAttribute('theme', 'dark');
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('says so when the list cannot be loaded', async () => {
    const el = await opened(fx.server, [letter('x', 0)]);
    el.openDeadLetters('no-such-queue');
    await until(() => root(el).querySelector('.dl-state[role=alert]'), 'the error');
    expect(root(el).querySelector('.dl-state')?.textContent).to.contain(
      'No worker consumes queue "no-such-queue"',
    );
  });
});
