import { expect } from '@open-wc/testing';
import type { ActionDeclaration, DeadLetterInput } from '@pulseboard/protocol';
import { sendKeys } from '@web/test-runner-commands';
import '../define.js';
import {
  HOSTILE,
  mountConnected,
  queueStats,
  serverPerTest,
  startServer,
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

/**
 * A worker of `queue` with `letters` dead letters (declaring `actions`), and a monitor showing it (its stream
 * with `token`), its queue row clicked.
 */
async function opened(
  server: TestServer,
  letters: DeadLetterInput[],
  queue = 'email',
  { token, actions }: { token?: string; actions?: ActionDeclaration[] } = {},
): Promise<DlqMonitor> {
  await server.register({
    id: 'm1',
    name: 'Mailer',
    queue,
    queueStats: queueStats({ deadLetter: letters.length }),
    ...(actions ? { actions } : {}),
  });
  for (let i = 0; i < letters.length; i += 1000) {
    await server.deadLetters('m1', { queue, added: letters.slice(i, i + 1000) });
  }
  const { el } = await mountConnected<DlqMonitor>(
    server,
    '<dlq-monitor></dlq-monitor>',
    'dlq-monitor',
    token,
  );
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
    // No action declared: nothing offered.
    expect(open.querySelector('[part~="dead-letter-actions"]')?.children).to.have.length(0);
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

const RETRY_ONE: ActionDeclaration = {
  name: 'retryOne',
  target: 'deadLetters',
  label: 'Retry',
  params: { id: { type: 'string', required: true } },
};
const DELETE_ONE: ActionDeclaration = {
  name: 'deleteOne',
  target: 'deadLetters',
  label: 'Delete',
  confirm: 'Delete this dead letter? Its job is gone for good.',
  dangerous: true,
  params: { id: { type: 'string', required: true } },
};
const RETRY_ALL: ActionDeclaration = { name: 'retryAll', target: 'deadLetters', label: 'Retry all' };
const PURGE: ActionDeclaration = {
  name: 'purge',
  target: 'deadLetters',
  label: 'Purge',
  confirm: 'Purge every dead letter?',
  dangerous: true,
};
const ACTIONS = [RETRY_ONE, DELETE_ONE, RETRY_ALL, PURGE];
const READ = 'read-secret';
const OPERATE = 'op-secret';

/** The open entry's action buttons and its outcome, and the action dialog (the element's first dialog). */
const entryButtons = (el: DlqMonitor) => [
  ...(detail(el)?.querySelectorAll<HTMLButtonElement>('[part~="dead-letter-actions"] button') ?? []),
];
const entryStatus = (el: DlqMonitor) =>
  detail(el)?.querySelector('[part~="action-status"]')?.textContent?.trim() ?? '';
const headButtons = (el: DlqMonitor) => [
  ...root(el).querySelectorAll<HTMLButtonElement>('.dl-head [part~="action"]'),
];
const actionDialog = (el: DlqMonitor) => root(el).querySelector<HTMLDialogElement>('dialog:not(.dl)');
const labels = (buttons: HTMLElement[]) => buttons.map((b) => b.textContent?.trim());

/** Opens the entry at `index` of the list. */
async function openEntry(el: DlqMonitor, index: number): Promise<HTMLElement> {
  rows(el)[index]?.click();
  return until(() => detail(el), 'the open entry');
}

describe('<dlq-monitor> acting on dead letters', () => {
  const fx = serverPerTest();

  beforeEach(async () => {
    await fx.server.stop();
    fx.server = await startServer({ readTokens: [READ], operateTokens: [`ops-alice=${OPERATE}`] });
  });

  it('offers an opened entry’s actions and the queue’s in the header to an operator only', async () => {
    const viewer = await opened(fx.server, [letter('a', 1000)], 'email', { token: READ, actions: ACTIONS });
    await openEntry(viewer, 0);
    expect(entryButtons(viewer)).to.have.length(0);
    expect(headButtons(viewer)).to.have.length(0);
    expect(root(viewer).querySelectorAll('[part~="action"]')).to.have.length(0);

    const operator = await opened(fx.server, [letter('a', 1000)], 'email', {
      token: OPERATE,
      actions: ACTIONS,
    });
    // Opened, the focus is on the search: not on an action in the header that Enter would send.
    expect(root(operator).activeElement?.getAttribute('type')).to.equal('search');
    await openEntry(operator, 0);
    await until(() => entryButtons(operator).length === 2, 'the entry’s actions');
    expect(labels(entryButtons(operator))).to.deep.equal(['Retry', 'Delete']);
    expect(entryButtons(operator)[1]?.classList.contains('danger')).to.equal(true);
    expect(labels(headButtons(operator))).to.deep.equal(['Retry all', 'Purge']);
    // The queue row's ⋯ lists the queue's actions, not the entry's.
    operator.closeDeadLetters();
    const rowControl = await until(
      () => root(operator).querySelector<HTMLButtonElement>('li [part~="action"]'),
      'the row control',
    );
    rowControl.click();
    const list = await until(() => (actionDialog(operator)?.open ? actionDialog(operator) : null), 'list');
    expect(labels([...list.querySelectorAll('li button')] as HTMLElement[])).to.deep.equal([
      'Retry all',
      'Purge',
    ]);
  });

  it('retries one: sent at once with its id to the worker that reported it; it leaves when the worker says so', async () => {
    const el = await opened(fx.server, [letter('a', 3000), letter('b', 2000), letter('c', 1000)], 'email', {
      token: OPERATE,
      actions: ACTIONS,
    });
    const asked: unknown[] = [];
    el.addEventListener('pulse-action', (e) => asked.push(e.request));
    const worker = fx.server.answerActions('m1', (d) => {
      // The worker does it, then reports its list again: the entry is no longer a dead letter.
      void fx.server.deadLetters('m1', { queue: 'email', removed: [String(d.params.id)] });
      return { ok: true, message: `Job ${d.params.id} is waiting again` };
    });
    await openEntry(el, 1);
    const retry = await until(() => entryButtons(el)[0], 'Retry');
    retry.click();
    await until(() => entryStatus(el) === 'Retry done: Job b is waiting again', 'the outcome in place');
    expect(asked).to.deep.equal([
      { worker: 'm1', action: 'retryOne', target: 'deadLetters', params: { id: 'b' } },
    ]);
    expect(worker.seen.map((d) => [d.action, d.params, d.by])).to.deep.equal([
      ['retryOne', { id: 'b' }, 'ops-alice'],
    ]);
    await until(() => rows(el).length === 2, 'the entry gone from the list');
    expect(rows(el).map((r) => r.querySelector('.dl-msg')?.textContent)).to.deep.equal([
      'SMTP 421 for c',
      'SMTP 421 for a',
    ]);
    // Another entry has no outcome of its own.
    actionDialog(el)?.close();
    await until(() => !actionDialog(el)?.open, 'the outcome dialog closed');
    await openEntry(el, 0);
    await until(() => entryButtons(el).length === 2, 'its actions');
    expect(entryStatus(el)).to.equal('');
    worker.stop();
  });

  it('deletes one after the confirmation (focus on Cancel, Escape cancels); a refusal shows in place', async () => {
    const el = await opened(fx.server, [letter('a', 1000)], 'email', { token: OPERATE, actions: ACTIONS });
    const worker = fx.server.answerActions('m1', () => ({
      ok: false,
      message: 'No job "a" in queue "email"',
    }));
    await openEntry(el, 0);
    (await until(() => entryButtons(el)[1], 'Delete')).click();
    const confirm = await until(() => (actionDialog(el)?.open ? actionDialog(el) : null), 'the confirmation');
    expect(confirm.querySelector('#act-title')?.textContent).to.equal('Delete · job a');
    expect(confirm.textContent).to.contain('Its job is gone for good.').and.contain('dangerous');
    // The id is the entry's: no field asks for it.
    expect(confirm.querySelector('input')).to.equal(null);
    expect(el.shadowRoot?.activeElement?.textContent?.trim()).to.equal('Cancel');
    await sendKeys({ press: 'Escape' });
    await until(() => !confirm.open, 'cancelled');
    // Escape closed the confirmation only: the dead letters and the entry stay open.
    expect(dialog(el)?.open).to.equal(true);
    expect(detail(el)).to.not.equal(null);
    expect(worker.seen).to.have.length(0);

    entryButtons(el)[1]?.click();
    await until(() => actionDialog(el)?.open, 'again');
    actionDialog(el)?.querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
    await until(
      () => entryStatus(el) === 'Delete failed: No job "a" in queue "email"',
      'the refusal in place',
    );
    expect(worker.seen.map((d) => d.params)).to.deep.equal([{ id: 'a' }]);
    expect(rows(el)).to.have.length(1);
    worker.stop();
  });

  it('renders hostile ids, labels and answers as text', async () => {
    const hostileOne = { ...RETRY_ONE, label: HOSTILE, confirm: `${HOSTILE}<script>alert(1)</script>` };
    const el = await opened(fx.server, [letter(HOSTILE, 1000, { name: HOSTILE })], 'email', {
      token: OPERATE,
      actions: [hostileOne],
    });
    const worker = fx.server.answerActions('m1', () => ({ ok: false, message: HOSTILE }));
    await openEntry(el, 0);
    (await until(() => entryButtons(el)[0], 'the hostile button')).click();
    expect(entryButtons(el)[0]?.textContent?.trim()).to.equal(HOSTILE);
    const confirm = await until(() => (actionDialog(el)?.open ? actionDialog(el) : null), 'the confirmation');
    expect(confirm.querySelector('#act-title')?.textContent).to.contain(HOSTILE);
    expect(confirm.textContent).to.contain('<script>alert(1)</script>');
    confirm.querySelector<HTMLButtonElement>('button[type="submit"]')?.click();
    await until(() => entryStatus(el) === `${HOSTILE} failed: ${HOSTILE}`, 'the hostile answer');
    expect(worker.seen.map((d) => d.params.id)).to.deep.equal([HOSTILE]);
    expect(root(el).querySelector('img, script')).to.equal(null);
    worker.stop();
  });

  it('passes axe with an entry’s actions and with its confirmation open, in light and dark', async () => {
    const el = await opened(fx.server, [letter('a11y', 0)], 'email', { token: OPERATE, actions: ACTIONS });
    await openEntry(el, 0);
    await until(() => entryButtons(el).length === 2, 'the entry’s actions');
    for (const theme of ['light', 'dark']) {
      el.setAttribute('theme', theme);
      await el.updateComplete;
      await expect(el).to.be.accessible();
    }
    entryButtons(el)[1]?.click();
    await until(() => actionDialog(el)?.open, 'the confirmation');
    for (const theme of ['light', 'dark']) {
      el.setAttribute('theme', theme);
      await el.updateComplete;
      await expect(el).to.be.accessible();
    }
  });
});
