import { expect } from '@open-wc/testing';
import '../define.js';
import {
  behavesLikeAPulseElement,
  HOSTILE,
  metrics,
  mountConnected,
  serverPerTest,
  textOf,
  until,
} from '../../test/drive-workers.js';
import type { HealthCards } from './health-cards.js';

const card = (el: HealthCards, id: string) =>
  el.shadowRoot!.querySelector<HTMLElement>(`[part~="card"][data-id="${id}"]`);
const names = (el: HealthCards) =>
  [...el.shadowRoot!.querySelectorAll('[part~="card"] .name')].map((n) => n.textContent!.trim());

describe('<health-cards>', () => {
  const fx = serverPerTest();

  it('renders the workers and resources the server holds', async () => {
    await fx.server.register({
      id: 'api-1',
      name: 'API gateway',
      status: 'healthy',
      metrics: metrics({ responseTimeMs: 87 }),
    });
    await fx.server.register({
      id: 'mail-1',
      name: 'Mailer',
      queue: 'email',
      status: 'degraded',
      metrics: metrics(),
    });
    await fx.server.resource({
      id: 'pg',
      name: 'Postgres',
      kind: 'database',
      status: 'healthy',
      latencyMs: 3,
    });
    const { el } = await mountConnected<HealthCards>(
      fx.server,
      '<health-cards></health-cards>',
      'health-cards',
    );
    await until(() => card(el, 'pg'), 'resource card');
    expect(card(el, 'api-1')!.textContent)
      .to.contain('API gateway')
      .and.contain('Healthy')
      .and.contain('87 ms');
    expect(card(el, 'api-1')!.textContent).to.contain('1 h');
    expect(card(el, 'mail-1')!.textContent).to.contain('Degraded').and.contain('email');
    expect(card(el, 'pg')!.textContent).to.contain('Postgres').and.contain('3 ms');
    // Worst first by default: the degraded worker leads.
    expect(names(el)[0]).to.equal('Mailer');
    expect(textOf(el)).to.contain('2 workers · 1 resource');
  });

  it('follows a worker through register, heartbeats, a status change and leaving', async () => {
    const { el } = await mountConnected<HealthCards>(
      fx.server,
      '<health-cards></health-cards>',
      'health-cards',
    );
    expect(textOf(el)).to.contain('No workers yet');
    await fx.server.register({ id: 'w1', name: 'Resizer', metrics: metrics({ responseTimeMs: 10 }) });
    const w1 = await until(() => card(el, 'w1'), 'card after register');
    expect(w1.textContent).to.contain('Starting');
    await fx.server.heartbeat('w1', { status: 'healthy' });
    await until(() => card(el, 'w1')!.textContent!.includes('Healthy'), 'healthy after heartbeat');
    await fx.server.heartbeat('w1', { metrics: metrics({ responseTimeMs: 250 }) });
    await until(() => card(el, 'w1')!.textContent!.includes('250 ms'), 'response time update');
    await fx.server.heartbeat('w1', { metrics: metrics({ responseTimeMs: 120 }) });
    await until(() => card(el, 'w1')!.querySelector('polyline')?.getAttribute('points'), 'sparkline');
    await fx.server.heartbeat('w1', { status: 'unhealthy' });
    await until(() => card(el, 'w1')!.textContent!.includes('Unhealthy'), 'status change');
    expect(card(el, 'w1')!.querySelector('[part~="status"]')!.textContent).to.contain('Unhealthy');
    await fx.server.leave('w1');
    await until(() => card(el, 'w1')?.classList.contains('departed'), 'departed card fades');
    expect(card(el, 'w1')!.textContent).to.contain('Left');
  });

  it('ticks "last seen" between events', async () => {
    await fx.server.register({ id: 'w1', name: 'Quiet' });
    const { el } = await mountConnected<HealthCards>(
      fx.server,
      '<health-cards></health-cards>',
      'health-cards',
    );
    const seen = () => card(el, 'w1')!.querySelectorAll('dd')[2]!.textContent!.trim();
    await until(() => /[1-9] s ago/.test(seen()), 'seconds ticking', 4000);
  });

  it('filters by the status attribute and sorts by name', async () => {
    await fx.server.register({ id: 'b', name: 'Beta', status: 'degraded' });
    await fx.server.register({ id: 'a', name: 'Alpha', status: 'healthy' });
    await fx.server.register({ id: 'c', name: 'Gamma', status: 'unhealthy' });
    const { el } = await mountConnected<HealthCards>(
      fx.server,
      '<health-cards sort="name"></health-cards>',
      'health-cards',
    );
    await until(() => names(el).length === 3, 'three cards');
    expect(names(el)).to.deep.equal(['Alpha', 'Beta', 'Gamma']);
    el.setAttribute('status', 'degraded unhealthy');
    await el.updateComplete;
    expect(names(el)).to.deep.equal(['Beta', 'Gamma']);
    el.sort = 'status';
    await el.updateComplete;
    expect(names(el)).to.deep.equal(['Gamma', 'Beta']);
    // The chips toggle the same attribute.
    const chip = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="filter"]')].find((b) =>
      b.textContent!.includes('Unhealthy'),
    )!;
    expect(chip.getAttribute('aria-pressed')).to.equal('true');
    chip.click();
    await el.updateComplete;
    expect(el.getAttribute('status')).to.equal('degraded');
  });

  it('puts only the cards near the viewport in the DOM, and the right ones as the page scrolls', async function () {
    this.timeout(60_000);
    const ids = Array.from({ length: 300 }, (_, i) => `w-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < ids.length; i += 50)
      await Promise.all(ids.slice(i, i + 50).map((id) => fx.server.register({ id, name: id })));
    const { el } = await mountConnected<HealthCards>(
      fx.server,
      '<health-cards sort="name"></health-cards>',
      'health-cards',
    );
    await until(() => textOf(el).includes('300 workers'), 'every worker');
    const grid = el.shadowRoot!.querySelector<HTMLElement>('.grid')!;
    await until(() => names(el)[0] === 'w-000', 'the first cards');
    expect(names(el).length).to.be.within(1, 100);

    // The card under the middle of the viewport (first column; a little lower if that is a gap
    // between rows) is the one at that place in the whole grid.
    const x = () => grid.getBoundingClientRect().left + 10;
    const middle = () =>
      [0, 20]
        .map((dy) =>
          el.shadowRoot!.elementFromPoint(x(), innerHeight / 2 + dy)?.closest<HTMLElement>('[part~="card"]'),
        )
        .find(Boolean);
    const first = el.shadowRoot!.querySelector<HTMLElement>('[part~="card"]')!;
    const columns = getComputedStyle(grid).gridTemplateColumns.split(' ').length;
    const pitch = first.offsetHeight + Number.parseFloat(getComputedStyle(grid).rowGap);
    scrollTo(0, grid.getBoundingClientRect().top + scrollY + pitch * 40);
    await until(() => middle(), 'a card in the middle of the viewport');
    const row = Math.floor((innerHeight / 2 - grid.getBoundingClientRect().top) / pitch);
    const at = ids.indexOf(middle()!.dataset.id!);
    expect(at % columns).to.equal(0);
    expect(Math.floor(at / columns)).to.be.closeTo(row, 1);
    expect(names(el).length).to.be.within(1, 100);
    scrollTo(0, 0);
  });

  it('renders hostile strings as text', async () => {
    await fx.server.register({ id: 'evil', name: HOSTILE, queue: HOSTILE });
    await fx.server.resource({ id: 'r-evil', name: HOSTILE, status: 'down', message: HOSTILE });
    const { el } = await mountConnected<HealthCards>(
      fx.server,
      '<health-cards></health-cards>',
      'health-cards',
    );
    await until(() => card(el, 'r-evil'), 'cards');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(card(el, 'evil')!.querySelector('.name')!.textContent!.trim()).to.equal(HOSTILE);
    expect(card(el, 'r-evil')!.textContent).to.contain('Down');
  });
});

behavesLikeAPulseElement('health-cards');
