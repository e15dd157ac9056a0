import { expect } from '@open-wc/testing';
import type { ActionDeclaration, ActionList } from '@pulseboard/protocol';
import { sendKeys } from '@web/test-runner-commands';
import '../define.js';
import {
  HOSTILE,
  metrics,
  mount,
  queueStats,
  serverPerTest,
  startServer,
  type TestServer,
  textOf,
  until,
} from '../../test/drive-workers.js';
import type { PulseElement } from './pulse-element.js';

const READ = 'read-secret';
const OPERATE = 'op-secret';

const RESTART: ActionDeclaration = { name: 'restart', target: 'worker', label: 'Restart' };
const PAUSE: ActionDeclaration = { name: 'pause', target: 'queue', label: 'Pause' };
const PURGE: ActionDeclaration = {
  name: 'purge',
  target: 'deadLetters',
  label: 'Purge',
  confirm: 'Purge 83 dead letters of "email"?',
  dangerous: true,
};
const SCALE: ActionDeclaration = {
  name: 'scale',
  target: 'worker',
  label: 'Scale',
  params: {
    count: { type: 'number', label: 'Workers', required: true, minimum: 1, maximum: 10, integer: true },
    note: { type: 'string', maxLength: 20 },
  },
};

/** A server where reads need a token, with an operator labelled ops-alice. */
async function guarded(config: Record<string, unknown> = {}): Promise<TestServer> {
  return startServer({ readTokens: [READ], operateTokens: [`ops-alice=${OPERATE}`], ...config });
}

async function registerMailer(server: TestServer, actions: ActionDeclaration[]): Promise<void> {
  await server.register({
    id: 'mail-1',
    name: 'Mailer',
    queue: 'email',
    status: 'healthy',
    metrics: metrics(),
    queueStats: queueStats({ deadLetter: 83 }),
    actions,
  });
}

/** One dashboard: `tags` in an `<sse-connection>` of its own (not shared with the others) with `token`. */
async function dashboard(server: TestServer, token: string, tags: string[]): Promise<PulseElement[]> {
  const wrap = mount(
    `<sse-connection src="${server.events}" token="${token}" shared="false">${tags.map((t) => `<${t}></${t}>`).join('')}</sse-connection>`,
  );
  const elements = tags.map((t) => wrap.querySelector(t) as PulseElement);
  for (const el of elements)
    await until(() => textOf(el).includes('Live') && textOf(el).includes('mail'), 'ready');
  return elements;
}

const controls = (el: Element) => [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="action"]')];
const dialogOf = (el: Element) => el.shadowRoot!.querySelector('dialog');
const status = (el: Element) =>
  el.shadowRoot!.querySelector('[part~="action-status"]')?.textContent?.trim() ?? '';

async function openDialog(el: Element): Promise<HTMLDialogElement> {
  const button = await until(() => controls(el)[0], 'an action control');
  button.click();
  return until(() => (dialogOf(el)?.open ? dialogOf(el) : null), 'the dialog open');
}

const button = (dialog: HTMLDialogElement, text: string) =>
  [...dialog.querySelectorAll('button')].find((b) => b.textContent!.trim() === text)!;

async function recent(server: TestServer): Promise<ActionList> {
  return (await fetch(`${server.url}/api/actions`, { headers: { authorization: `Bearer ${READ}` } })).json();
}

describe('operator actions', () => {
  const fx = serverPerTest();

  beforeEach(async () => {
    await fx.server.stop();
    fx.server = await guarded();
  });

  it('shows no control to a read-only viewer, and one per worker, queue and dead-letter list to an operator', async () => {
    await registerMailer(fx.server, [RESTART, PAUSE, PURGE]);
    const tags = ['health-cards', 'queues-view', 'dlq-monitor'];
    const viewer = await dashboard(fx.server, READ, tags);
    const operator = await dashboard(fx.server, OPERATE, tags);
    await until(() => operator.every((el) => controls(el).length === 1), 'the operator’s controls');
    for (const el of viewer) {
      expect(controls(el), el.localName).to.have.length(0);
      expect(dialogOf(el), el.localName).to.equal(null);
    }
    expect(controls(operator[0]!)[0]!.getAttribute('aria-label')).to.equal('Actions: Mailer');
    expect(controls(operator[1]!)[0]!.getAttribute('aria-label')).to.equal('Actions: queue email');
    expect(controls(operator[2]!)[0]!.getAttribute('aria-label')).to.equal('Actions: dead letters of email');
  });

  it('an operator confirms a dangerous action; the worker runs it and every open dashboard shows the outcome', async () => {
    await registerMailer(fx.server, [PURGE]);
    const worker = fx.server.answerActions('mail-1', (d) => ({
      ok: true,
      message: `Purged 83 from ${d.queue}`,
    }));
    const [a] = await dashboard(fx.server, OPERATE, ['dlq-monitor']);
    const [b] = await dashboard(fx.server, OPERATE, ['dlq-monitor']);
    const asked: unknown[] = [];
    a!.addEventListener('pulse-action', (e) => asked.push(e.request));
    const dialog = await openDialog(a!);
    expect(dialog.getAttribute('aria-labelledby')).to.equal('act-title');
    expect(dialog.querySelector('#act-title')!.textContent).to.contain('Purge');
    expect(dialog.textContent).to.contain('Purge 83 dead letters of "email"?').and.contain('dangerous');
    const confirm = dialog.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    expect(confirm.classList.contains('danger')).to.equal(true);
    // Focus starts on Cancel, not on the dangerous button Enter would press.
    expect(a!.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Cancel');
    expect(worker.seen).to.have.length(0);
    confirm.click();
    for (const el of [a!, b!])
      await until(
        () => status(el) === 'Purge done: Purged 83 from email',
        `outcome on ${el === a ? 'A' : 'B'}`,
      );
    await until(() => dialog.textContent!.includes('Purge done'), 'outcome in the dialog');
    expect(asked).to.deep.equal([{ worker: 'mail-1', action: 'purge', target: 'deadLetters', params: {} }]);
    expect(worker.seen.map((d) => [d.action, d.by])).to.deep.equal([['purge', 'ops-alice']]);
    button(dialog, 'Close').click();
    await until(() => !dialog.open, 'closed');
    worker.stop();
  });

  it('sends an action that asks nothing at once, and shows pending until the worker answers (or times out)', async () => {
    await fx.server.stop();
    fx.server = await guarded({ actionTimeoutMs: 600 });
    await registerMailer(fx.server, [RESTART]);
    const [cards] = await dashboard(fx.server, OPERATE, ['health-cards']);
    await openDialog(cards!);
    await until(() => status(cards!) === 'Restart: running', 'pending in place');
    await until(() => status(cards!) === 'Restart: no answer in time', 'timeout in place', 5000);
  });

  it('builds a form from the params and checks it before sending; a refusal shows in place', async () => {
    await registerMailer(fx.server, [SCALE, RESTART]);
    const worker = fx.server.answerActions('mail-1', () => ({ ok: false, message: 'No room for more' }));
    const [cards] = await dashboard(fx.server, OPERATE, ['health-cards']);
    const dialog = await openDialog(cards!);
    // Two actions: a list first.
    button(dialog, 'Scale').click();
    const count = await until(
      () => dialog.querySelector<HTMLInputElement>('input[name="count"]'),
      'the field',
    );
    expect(cards!.shadowRoot!.activeElement).to.equal(count);
    expect(count.closest('label')!.textContent).to.contain('Workers (required)');
    const form = dialog.querySelector('form')!;
    const submit = dialog.querySelector<HTMLButtonElement>('button[type="submit"]')!;
    for (const bad of ['', '0', '11', '2.5']) {
      count.value = bad;
      submit.click();
      expect(form.checkValidity(), bad).to.equal(false);
    }
    dialog.querySelector<HTMLInputElement>('input[name="note"]')!.value = 'peak';
    count.value = '3';
    submit.click();
    await until(() => status(cards!) === 'Scale failed: No room for more', 'the worker’s error in place');
    expect(worker.seen.map((d) => d.params)).to.deep.equal([{ count: 3, note: 'peak' }]);
    // Nothing went out for the invalid tries.
    expect((await recent(fx.server)).actions).to.have.length(1);
    worker.stop();

    // The worker registers again without `scale`: the open dialog still offers it, and the server refuses (404).
    button(dialog, 'Close').click();
    await openDialog(cards!);
    button(dialog, 'Scale').click();
    await registerMailer(fx.server, [RESTART]);
    (await until(() => dialog.querySelector<HTMLInputElement>('input[name="count"]'), 'the field')).value =
      '2';
    dialog.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    const alert = await until(() => dialog.querySelector('[role="alert"]'), 'the refusal in the dialog');
    expect(alert.textContent).to.match(/^404 /);
    await until(() => status(cards!).startsWith('Scale: 404 '), 'the refusal in place');
  });

  it('a dashboard opened later shows the outcome of an action taken before (the server’s recent list)', async () => {
    await registerMailer(fx.server, [PAUSE]);
    const worker = fx.server.answerActions('mail-1', () => ({ ok: true, message: 'Paused' }));
    const response = await fetch(`${fx.server.url}/api/actions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATE}`, 'content-type': 'application/json' },
      body: JSON.stringify({ worker: 'mail-1', action: 'pause' }),
    });
    expect(response.status).to.equal(202);
    await until(() => worker.seen.length === 1, 'answered');
    const [queues] = await dashboard(fx.server, OPERATE, ['queues-view']);
    await until(() => status(queues!) === 'Pause done: Paused', 'the earlier outcome');
    worker.stop();
  });

  it('renders hostile labels, confirm texts and messages as text', async () => {
    await registerMailer(fx.server, [
      { name: 'evil', target: 'queue', label: HOSTILE, confirm: `${HOSTILE}\n<script>alert(1)</script>` },
    ]);
    const worker = fx.server.answerActions('mail-1', () => ({ ok: false, message: HOSTILE }));
    const [queues] = await dashboard(fx.server, OPERATE, ['queues-view']);
    const dialog = await openDialog(queues!);
    expect(dialog.querySelector('#act-title')!.textContent).to.contain(HOSTILE);
    expect(dialog.textContent).to.contain('<script>alert(1)</script>');
    dialog.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
    await until(() => status(queues!) === `${HOSTILE} failed: ${HOSTILE}`, 'the hostile message');
    expect(queues!.shadowRoot!.querySelector('img, script')).to.equal(null);
    worker.stop();
  });

  it('is keyboard-operable, Escape cancels, and the dialog passes axe in light and dark', async () => {
    await registerMailer(fx.server, [PURGE, PAUSE]);
    const [dlq] = await dashboard(fx.server, OPERATE, ['dlq-monitor']);
    const control = await until(() => controls(dlq!)[0], 'control');
    control.focus();
    await sendKeys({ press: 'Enter' });
    const dialog = await until(() => (dialogOf(dlq!)?.open ? dialogOf(dlq!) : null), 'dialog open');
    // One action here: straight to its confirmation, focus on Cancel; Tab reaches the action, and stays in the dialog.
    expect(dialog.textContent).to.contain('Purge 83 dead letters');
    expect(dlq!.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Cancel');
    await sendKeys({ press: 'Tab' });
    expect(dlq!.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Purge');
    expect(dialog.contains(dlq!.shadowRoot!.activeElement)).to.equal(true);
    dlq!.theme = 'light';
    await dlq!.updateComplete;
    await expect(dlq).to.be.accessible();
    dlq!.theme = 'dark';
    await dlq!.updateComplete;
    await expect(dlq).to.be.accessible();
    await sendKeys({ press: 'Escape' });
    await until(() => !dialog.open, 'closed by Escape');
    // Cancel with an update before the close event (a busy stream): it stays closed.
    controls(dlq!)[0]!.click();
    await until(() => dialog.open, 'open again');
    button(dialog, 'Cancel').click();
    dlq!.requestUpdate();
    await dlq!.updateComplete;
    await new Promise((r) => setTimeout(r, 100));
    expect(dialog.open, 'reopened by an update').to.equal(false);
    // A second worker on the queue declares an action with every kind of field, for axe.
    await fx.server.register({
      id: 'ops-1',
      name: 'Ops',
      queue: 'email',
      actions: [
        PURGE,
        {
          name: 'compact',
          target: 'deadLetters',
          label: 'Compact',
          params: {
            keep: { type: 'number', label: 'Keep', required: true, minimum: 0, integer: true },
            mode: { type: 'enum', values: ['soft', 'hard'], description: 'How' },
            reason: { type: 'string', maxLength: 40 },
            notify: { type: 'boolean', label: 'Notify the owners' },
          },
        },
      ],
    });
    // Two actions now (the second worker's Compact): the list, then the form.
    await until(() => dlq!.source?.data.workers.has('ops-1'), 'the second worker');
    controls(dlq!)[0]!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => dialog.open && button(dialog, 'Compact'), 'the list');
    expect(dlq!.shadowRoot!.activeElement?.textContent?.trim()).to.equal('Purge');
    await sendKeys({ press: 'Tab' });
    await sendKeys({ press: 'Enter' });
    const keep = await until(() => dialog.querySelector<HTMLInputElement>('input[name="keep"]'), 'the form');
    expect(dlq!.shadowRoot!.activeElement).to.equal(keep);
    for (const theme of ['light', 'dark'] as const) {
      dlq!.theme = theme;
      await dlq!.updateComplete;
      await expect(dlq).to.be.accessible();
    }
    await sendKeys({ press: 'Escape' });
    await until(() => !dialog.open, 'closed by Escape');
    await new Promise((r) => setTimeout(r, 200));
    expect((await recent(fx.server)).actions).to.have.length(0);
  });
});
