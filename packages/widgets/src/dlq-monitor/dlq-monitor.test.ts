import { expect } from '@open-wc/testing';
import '../define.js';
import {
  behavesLikeAPulseElement,
  HOSTILE,
  metrics,
  mountConnected,
  queueStats,
  serverPerTest,
  textOf,
  until,
} from '../../test/drive-workers.js';
import type { DlqMonitor, PulseThresholdChangeEvent } from './dlq-monitor.js';

const row = (el: DlqMonitor, name: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="row"]')].find(
    (r) => r.querySelector('.pick')!.textContent === name,
  );
const level = (el: DlqMonitor, name: string) => row(el, name)?.querySelector('.badge')?.textContent?.trim();

describe('<dlq-monitor>', () => {
  const fx = serverPerTest();

  it('shows dead letters per queue and errors per worker with levels from the thresholds', async () => {
    await fx.server.register({
      id: 'm1',
      name: 'Mailer',
      queue: 'email',
      queueStats: queueStats({ deadLetter: 12 }),
    });
    await fx.server.register({
      id: 'h1',
      name: 'Hooks',
      queue: 'hooks',
      queueStats: queueStats({ deadLetter: 150 }),
    });
    await fx.server.register({
      id: 'r1',
      name: 'Resizer',
      queue: 'images',
      queueStats: queueStats(),
      metrics: metrics({ errorCount: 4 }),
    });
    const { el } = await mountConnected<DlqMonitor>(
      fx.server,
      '<dlq-monitor warning="10" critical="100"></dlq-monitor>',
      'dlq-monitor',
    );
    // Errors before the monitor saw the worker do not count; one more is 0.2 a minute over 5 minutes.
    await fx.server.heartbeat('r1', { metrics: metrics({ errorCount: 5 }) });
    await until(() => row(el, 'hooks') && row(el, 'images') && row(el, 'Resizer'), 'queue and worker rows');
    expect(row(el, 'Resizer')!.querySelector('[part~="value"]')!.textContent).to.equal('0.2');
    expect(level(el, 'hooks')).to.equal('Critical');
    expect(level(el, 'email')).to.equal('Warning');
    expect(level(el, 'images'), 'images').to.equal('OK');
    expect(level(el, 'Resizer'), 'Resizer').to.equal('OK');
    expect(el.level).to.equal('critical');
    expect(el.shadowRoot!.querySelector('.overall')!.textContent).to.contain(
      '1 queue critical · 1 queue warning',
    );
  });

  it("redraws a queue's row for new thresholds though its dead letters did not move", async () => {
    await fx.server.register({ id: 'm1', queue: 'email', queueStats: queueStats({ deadLetter: 50 }) });
    const { el } = await mountConnected<DlqMonitor>(
      fx.server,
      '<dlq-monitor warning="10" critical="100"></dlq-monitor>',
      'dlq-monitor',
    );
    const meter = () => row(el, 'email')?.querySelector<HTMLElement>('.meter span')?.style.width;
    await until(() => level(el, 'email') === 'Warning', 'email at warning');
    expect(meter()).to.equal('50%');
    el.critical = 40;
    await el.updateComplete;
    expect([level(el, 'email'), meter()]).to.deep.equal(['Critical', '100%']);
    expect(el.shadowRoot!.querySelector('.overall')!.textContent).to.contain('1 queue critical');
  });

  it('fires pulse-threshold-change with hysteresis, so a hovering value does not flap', async () => {
    await fx.server.register({
      id: 'q1',
      name: 'Q',
      queue: 'orders',
      queueStats: queueStats({ deadLetter: 0 }),
    });
    const { el } = await mountConnected<DlqMonitor>(
      fx.server,
      '<dlq-monitor warning="10" critical="100"></dlq-monitor>',
      'dlq-monitor',
    );
    const events: PulseThresholdChangeEvent[] = [];
    // Listening on the document proves the event bubbles and is composed.
    const listener = (e: PulseThresholdChangeEvent) => events.push(e);
    document.addEventListener('pulse-threshold-change', listener);
    try {
      const set = async (deadLetter: number) => {
        await fx.server.heartbeat('q1', { queueStats: queueStats({ deadLetter }) });
        await until(
          () => row(el, 'orders')!.querySelector('[part~="value"]')!.textContent === String(deadLetter),
          `${deadLetter}`,
        );
      };
      // Warning at 10; with 10% hysteresis it clears only below 9.
      await set(10);
      await set(9);
      await set(10);
      await set(9);
      const queueEvents = () =>
        events.filter((e) => e.scope === 'queue').map((e) => `${e.previous}>${e.level}`);
      expect(queueEvents()).to.deep.equal(['ok>warning']);
      await set(5);
      expect(queueEvents()).to.deep.equal(['ok>warning', 'warning>ok']);
      const overall = events.filter((e) => e.scope === 'overall');
      expect(overall.map((e) => e.level)).to.deep.equal(['warning', 'ok']);
      expect(events[0]).to.include({ key: 'orders', value: 10, bubbles: true, composed: true });
    } finally {
      document.removeEventListener('pulse-threshold-change', listener);
    }
  });

  it("rates a worker's errors per minute over error-window, and clears its level when the errors stop", async () => {
    await fx.server.register({
      id: 'e1',
      name: 'Flaky',
      queue: 'jobs',
      metrics: metrics({ errorCount: 900 }),
    });
    const { el } = await mountConnected<DlqMonitor>(
      fx.server,
      '<dlq-monitor error-window="2" error-warning="60" error-critical="600"></dlq-monitor>',
      'dlq-monitor',
    );
    const events: string[] = [];
    el.addEventListener('pulse-threshold-change', (e) => {
      if (e.scope === 'worker') events.push(`${e.previous}>${e.level}`);
    });
    // 900 errors since the worker started, none while watched: all clear.
    expect(textOf(el)).to.contain('All clear');
    expect(textOf(el)).to.contain('Errors per minute by worker, last 2 s');
    // 3 errors in a 2 s window: 90 a minute, over the warning at 60.
    await fx.server.heartbeat('e1', { metrics: metrics({ errorCount: 903 }) });
    await until(() => level(el, 'Flaky') === 'Warning', 'warning');
    expect(row(el, 'Flaky')!.querySelector('[part~="value"]')!.textContent).to.equal('90');
    // No more errors: once the window has passed them the rate is 0 and the warning clears, with no new data.
    await until(() => el.level === 'ok', 'cleared', 5000);
    expect(events).to.deep.equal(['ok>warning', 'warning>ok']);
    expect(textOf(el)).to.contain('All clear');
  });

  it('keeps only the rows in view (and a few) of a long list in the DOM, each knowing its place in the whole', async () => {
    // 40 queues with dead letters: q-40 has 40, the most, q-01 one.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fx.server.register({
          id: `w${i + 1}`,
          queue: `q-${String(i + 1).padStart(2, '0')}`,
          queueStats: queueStats({ deadLetter: i + 1 }),
        }),
      ),
    );
    const { el } = await mountConnected<DlqMonitor>(fx.server, '<dlq-monitor></dlq-monitor>', 'dlq-monitor');
    const list = () => el.shadowRoot!.querySelector<HTMLElement>('[data-list="queue"]')!;
    const shown = () => [...list().querySelectorAll<HTMLElement>('[part~="row"]')];
    await until(() => shown()[0]?.getAttribute('aria-setsize') === '40', 'the 40 queues listed');
    const rowPx = shown()[0]!.getBoundingClientRect().height;
    expect(shown().length, 'rows in the DOM').to.be.below(40);
    expect(shown().length).to.be.at.least(Math.floor(list().clientHeight / rowPx));
    expect(shown()[0]!.textContent).to.contain('q-40');
    expect(shown()[0]!.getAttribute('aria-posinset')).to.equal('1');
    // The spacer stands in for the rest: the list scrolls as far as 40 rows reach.
    expect(list().scrollHeight).to.be.closeTo(40 * rowPx, rowPx);

    list().scrollTop = list().scrollHeight;
    await until(() => shown().at(-1)?.textContent?.includes('q-01'), 'the last queue after scrolling down');
    expect(shown().at(-1)!.getAttribute('aria-posinset')).to.equal('40');
    expect(shown().length).to.be.below(40);
  });

  it('shows whole names in a half-width column', async () => {
    await fx.server.register({
      id: 'wh-1',
      name: 'Webhook dispatcher',
      queue: 'search-index',
      queueStats: queueStats(),
      metrics: metrics({ errorCount: 3 }),
    });
    const { el } = await mountConnected<DlqMonitor>(
      fx.server,
      '<dlq-monitor style="width: 640px"></dlq-monitor>',
      'dlq-monitor',
    );
    await fx.server.heartbeat('wh-1', { metrics: metrics({ errorCount: 4 }) });
    await until(() => row(el, 'search-index') && row(el, 'Webhook dispatcher'), 'rows');
    for (const name of ['search-index', 'Webhook dispatcher']) {
      const pick = row(el, name)!.querySelector<HTMLElement>('.pick')!;
      expect(pick.scrollWidth, name).to.be.at.most(pick.clientWidth);
    }
  });

  it('renders hostile names as text', async () => {
    await fx.server.register({
      id: 'evil',
      name: HOSTILE,
      queue: HOSTILE,
      metrics: metrics({ errorCount: 7 }),
    });
    const { el } = await mountConnected<DlqMonitor>(fx.server, '<dlq-monitor></dlq-monitor>', 'dlq-monitor');
    await fx.server.heartbeat('evil', { metrics: metrics({ errorCount: 8 }) });
    await until(() => row(el, HOSTILE), 'hostile rows');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(textOf(el)).to.contain(HOSTILE);
  });
});

behavesLikeAPulseElement('dlq-monitor');
