import { expect } from '@open-wc/testing';
import { executeServerCommand, resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import '../define.js';
import {
  metrics,
  mount,
  queueStats,
  startServer,
  type TestServer,
  textOf,
  unmountAll,
  until,
} from '../../test/drive-workers.js';
import { HOLD_MAX_MS } from './hold-controller.js';
import type { SelectEvent } from './selection.js';

const TAGS = ['health-cards', 'queues-view', 'dlq-monitor', 'logs-view', 'system-metrics'] as const;

const shadow = (el: Element) => el.shadowRoot!;
const logMessages = (el: Element) =>
  [...shadow(el).querySelectorAll('[part~="row"] .msg')].map((m) => m.textContent!.trim());

/** Mounts every element in one `<sse-connection>` and waits until all show data. */
async function dashboard(server: TestServer, attrs = '') {
  const wrap = mount(
    `<sse-connection src="${server.events}">${TAGS.map((t) => `<${t} ${attrs}></${t}>`).join('')}</sse-connection>`,
  );
  const els = Object.fromEntries(TAGS.map((t) => [t, wrap.querySelector(t)!])) as unknown as {
    [T in (typeof TAGS)[number]]: HTMLElementTagNameMap[T];
  };
  await until(
    () => TAGS.every((t) => textOf(els[t]).includes('Live') && !shadow(els[t]).querySelector('.skeleton')),
    'all elements ready',
  );
  return els;
}

describe('linked widgets and pause', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
    const worker = (id: string, name: string, queue: string, cpu: number) =>
      server.register({
        id,
        name,
        queue,
        status: 'healthy',
        metrics: metrics({ cpu }),
        queueStats: queueStats(),
      });
    await worker('mail-1', 'Mailer one', 'email', 10);
    await worker('mail-2', 'Mailer two', 'email', 30);
    await worker('img-1', 'Resizer', 'images', 90);
    for (const id of ['mail-1', 'mail-2', 'img-1'])
      await server.log(id, [{ level: 'info', message: `from ${id}` }]);
  });
  afterEach(async () => {
    unmountAll();
    await server.stop();
  });

  it('a click on a card selects the worker everywhere, scopes logs and metrics, and the chip clears it', async () => {
    const els = await dashboard(server);
    await until(() => logMessages(els['logs-view']).includes('from img-1'), 'all logs');
    const fired: SelectEvent[] = [];
    document.addEventListener('pulse-select', (e) => fired.push(e), { once: true });

    const card = shadow(els['health-cards']).querySelector<HTMLElement>('[data-pick="worker:mail-1"]')!;
    card.click();
    await until(() => TAGS.every((t) => els[t].getAttribute('selection') === 'worker:mail-1'), 'reflected');
    expect(fired[0]?.selection).to.deep.equal({ kind: 'worker', id: 'mail-1' });
    expect(card.querySelector('.pick')!.getAttribute('aria-pressed')).to.equal('true');

    await until(() => logMessages(els['logs-view']).join() === 'from mail-1', 'logs scoped to the worker');
    const metricsEl = els['system-metrics'];
    await until(() => textOf(metricsEl).includes('Showing: Mailer one'), 'chip on system-metrics');
    expect(shadow(metricsEl).querySelector('[part~="value"]')!.textContent).to.match(/1\s*\/ 1 healthy/);
    expect(textOf(metricsEl)).to.contain('10%');

    shadow(els['logs-view']).querySelector<HTMLButtonElement>('[part~="selection"]')!.click();
    await until(() => TAGS.every((t) => !els[t].hasAttribute('selection')), 'cleared everywhere');
    await until(() => logMessages(els['logs-view']).length === 3, 'all logs again');
    expect(shadow(metricsEl).querySelector('[part~="selection"]')).to.equal(null);
  });

  it('selects a queue from the keyboard, scoping to its workers', async () => {
    const els = await dashboard(server);
    const pick = await until(
      () => shadow(els['queues-view']).querySelector<HTMLButtonElement>('[data-pick="queue:email"] .pick'),
      'queue row',
    );
    pick.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => els['logs-view'].getAttribute('selection') === 'queue:email', 'queue selected');
    await until(
      () => logMessages(els['logs-view']).sort().join() === 'from mail-1,from mail-2',
      'logs of the queue',
    );
    expect(textOf(els['system-metrics'])).to.contain('Showing: queue email');
    await until(() => /2\s*\/ 2 healthy/.test(textOf(els['system-metrics'])), 'two workers');
    const dlqRow = shadow(els['dlq-monitor']).querySelector('[data-pick="queue:email"] .pick')!;
    expect(dlqRow.getAttribute('aria-pressed')).to.equal('true');

    // Space on the selected row clears it (a toggle).
    pick.focus();
    await sendKeys({ press: 'Space' });
    await until(() => !els['logs-view'].hasAttribute('selection'), 'cleared');
  });

  it('applies a selection the host page sets on any one element to all of that connection', async () => {
    const els = await dashboard(server);
    const other = mount(
      `<sse-connection src="${server.events}"><logs-view></logs-view></sse-connection>`,
    ).querySelector('logs-view')!;
    await until(() => logMessages(other).length === 3, 'other connection ready');

    els['dlq-monitor'].setAttribute('selection', 'worker:img-1');
    await until(() => TAGS.every((t) => els[t].selection === 'worker:img-1'), 'every element follows');
    expect(els['logs-view'].getAttribute('selection')).to.equal('worker:img-1');
    await until(() => logMessages(els['logs-view']).join() === 'from img-1', 'scoped');
    // A different connection keeps its own selection.
    expect(other.hasAttribute('selection')).to.equal(false);
    expect(logMessages(other)).to.have.length(3);

    // An element added later with the attribute set takes it from the markup (a URL-driven page).
    const late = mount(
      `<sse-connection src="${server.events}"><logs-view selection="queue:images"></logs-view><system-metrics></system-metrics></sse-connection>`,
    );
    const lateMetrics = late.querySelector('system-metrics')!;
    await until(() => lateMetrics.getAttribute('selection') === 'queue:images', 'sibling follows markup');
    await until(() => textOf(lateMetrics).includes('Showing: queue images'), 'scoped metrics');
  });

  it('asks the server only for what the elements need, narrowing workers= with the selection', async () => {
    const { url: proxy } = await executeServerCommand<{ url: string }, object>('pulse-proxy-start', {
      target: server.url,
    });
    const requests = async () =>
      (
        await executeServerCommand<{ requests: string[] }, object>('pulse-proxy-stats', { url: proxy })
      ).requests.map(decodeURIComponent);
    try {
      const wrap = mount(
        `<sse-connection src="${proxy}/events"><logs-view selection="worker:mail-2"></logs-view></sse-connection>`,
      );
      const el = wrap.querySelector('logs-view')!;
      await until(() => logMessages(el).join() === 'from mail-2', 'scoped logs');
      const first = (await requests()).find((r) => r.includes('/events'))!;
      expect(first).to.contain('types=log,worker_deregistered,worker_registered,worker_status_change');
      expect(first).to.contain('workers=mail-2');
      // The server sends nothing about other workers: their lines never reach the page.
      await server.log('img-1', [{ level: 'info', message: 'not for this page' }]);
      await server.log('mail-2', [{ level: 'info', message: 'for this page' }]);
      await until(() => logMessages(el).includes('for this page'), 'scoped live line');
      expect(el.lines.map((l) => l.message)).not.to.include('not for this page');

      // Wider again: a new request without workers=, still for the log types only.
      el.selection = null;
      let last = '';
      for (let i = 0; i < 100 && !last.includes('/events?types=log,'); i++) {
        await new Promise((r) => setTimeout(r, 50));
        last =
          (await requests()).filter((r) => r.includes('/events') && !r.includes('workers=')).at(-1) ?? '';
      }
      expect(last).to.contain('types=log,worker_deregistered,worker_registered,worker_status_change');
    } finally {
      await executeServerCommand('pulse-proxy-stop', { url: proxy });
    }
  });

  it('pause holds every update and shows them all on resume', async () => {
    const els = await dashboard(server, 'paused');
    const cards = els['health-cards'];
    await server.register({ id: 'new-1', name: 'Newcomer', queue: 'fresh', queueStats: queueStats() });
    await server.log('new-1', [{ level: 'error', message: 'first words' }]);
    // Queues come from the periodic dashboard_update: wait until the store holds the new one, so the
    // held update is really there before resuming.
    const client = cards.closest('sse-connection')!.client;
    await until(() => client.data.queues.some((q) => q.name === 'fresh'), 'queue in the store');
    await until(() => client.data.logs.some((l) => l.message === 'first words'), 'log line in the store');
    await until(
      () => TAGS.every((t) => /Paused · [1-9]\d* updates? waiting/.test(textOf(els[t]))),
      'counted',
    );
    expect(textOf(cards)).not.to.contain('Newcomer');
    expect(textOf(els['queues-view'])).not.to.contain('fresh');
    expect(logMessages(els['logs-view'])).not.to.include('first words');

    for (const t of TAGS) shadow(els[t]).querySelector<HTMLButtonElement>('[part~="resume"]')!.click();
    await until(() => textOf(cards).includes('Newcomer'), 'card after resume');
    expect(textOf(els['queues-view'])).to.contain('fresh');
    expect(logMessages(els['logs-view'])).to.include.members(['Registered · queue fresh', 'first words']);
    for (const t of TAGS) expect(textOf(els[t])).not.to.contain('waiting');
  });

  it('selecting a card does not hold the grid', async () => {
    const els = await dashboard(server);
    const cards = els['health-cards'];
    const pick = shadow(cards).querySelector<HTMLButtonElement>('[data-pick="worker:img-1"] .pick')!;
    pick.focus();
    pick.click();
    expect(cards.selection).to.equal('worker:img-1');
    await server.register({ id: 'new-2', name: 'Quiet arrival' });
    await until(() => textOf(cards).includes('Quiet arrival'), 'shown while the card has focus');
    expect(textOf(cards)).not.to.contain('waiting');
  });

  it('holds while the pointer is over a list, at most HOLD_MAX_MS, with "N updates waiting · Resume"', async () => {
    const els = await dashboard(server);
    const cards = els['health-cards'];
    const box = shadow(cards).querySelector('[data-pick="worker:img-1"]')!.getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(box.x + 20), Math.round(box.y + 20)] });
    await server.register({ id: 'new-2', name: 'Quiet arrival' });
    // One update or more: the registration, and a periodic dashboard_update may come with it.
    await until(() => /[1-9]\d* updates? waiting/.test(textOf(cards)), 'held under the pointer');
    expect(textOf(cards)).not.to.contain('Quiet arrival');
    expect(textOf(cards)).not.to.contain('Paused');
    // Resume shows it at once, the pointer still over the grid; the next arrival shows too.
    shadow(cards).querySelector<HTMLButtonElement>('[part~="resume"]')!.click();
    await until(() => textOf(cards).includes('Quiet arrival'), 'shown on Resume');
    expect(textOf(cards)).not.to.contain('waiting');
    await server.register({ id: 'new-3', name: 'Second arrival' });
    await until(() => textOf(cards).includes('Second arrival'), 'not held again until the pointer leaves');
    // Out and back in: held again, and no longer than HOLD_MAX_MS with the pointer still there.
    await resetMouse();
    await sendMouse({ type: 'move', position: [Math.round(box.x + 20), Math.round(box.y + 20)] });
    const heldAt = Date.now();
    await server.register({ id: 'new-4', name: 'Late arrival' });
    await until(() => /[1-9]\d* updates? waiting/.test(textOf(cards)), 'held again');
    await until(
      () => textOf(cards).includes('Late arrival'),
      'shown after the hold ran out',
      HOLD_MAX_MS + 3000,
    );
    expect(Date.now() - heldAt).to.be.at.least(HOLD_MAX_MS - 1000);
    await resetMouse();
  });
});
