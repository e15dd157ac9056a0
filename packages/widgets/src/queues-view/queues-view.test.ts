import { expect } from '@open-wc/testing';
import '../define.js';
import {
  behavesLikeAPulseElement,
  HOSTILE,
  mountConnected,
  queueStats,
  serverPerTest,
  textOf,
  until,
} from '../../test/drive-workers.js';
import { OVERSCAN } from '../base/row-window.js';
import type { QueuesView } from './queues-view.js';

const rows = (el: QueuesView) => [
  ...el.shadowRoot!.querySelectorAll<HTMLTableRowElement>('tbody tr[part~="row"]'),
];
const names = (el: QueuesView) => rows(el).map((r) => r.cells[0]!.textContent!.trim());
const header = (el: QueuesView, label: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLTableCellElement>('th')].find((th) =>
    th.textContent!.includes(label),
  )!;

describe('<queues-view>', () => {
  const fx = serverPerTest();

  it('shows every queue, summed over its workers, and follows heartbeats and departures', async () => {
    await fx.server.register({
      id: 'e1',
      queue: 'email',
      status: 'healthy',
      queueStats: queueStats({ depth: 5, processed: 100 }),
    });
    await fx.server.register({
      id: 'e2',
      queue: 'email',
      status: 'healthy',
      queueStats: queueStats({ depth: 7, processed: 50 }),
    });
    await fx.server.register({
      id: 'i1',
      queue: 'images',
      status: 'healthy',
      queueStats: queueStats({ depth: 40, failed: 3 }),
    });
    const { el } = await mountConnected<QueuesView>(fx.server, '<queues-view></queues-view>', 'queues-view');
    await until(() => rows(el).length === 2, 'two queues');
    // Deepest first by default.
    expect(names(el)).to.deep.equal(['images', 'email']);
    const email = () => rows(el)[1]!.textContent!.replace(/\s+/g, ' ');
    expect(email()).to.contain('12').and.contain('150');
    expect(rows(el)[1]!.cells[6]!.textContent!.trim()).to.equal('2');
    await fx.server.heartbeat('e1', { queueStats: queueStats({ depth: 100, processed: 120 }) });
    await until(() => names(el)[0] === 'email', 'email now deepest');
    expect(rows(el)[0]!.cells[1]!.textContent).to.contain('107');
    await fx.server.leave('i1');
    await until(() => rows(el).length === 1, 'images gone');
    expect(textOf(el)).to.contain('1 queue');
  });

  it('redraws a row whose queue did not change when what else it shows did: the deepest bar, the selection', async () => {
    await fx.server.register({ id: 'a1', queue: 'alpha', queueStats: queueStats({ depth: 10 }) });
    await fx.server.register({ id: 'b1', queue: 'beta', queueStats: queueStats({ depth: 5 }) });
    const { el } = await mountConnected<QueuesView>(fx.server, '<queues-view></queues-view>', 'queues-view');
    const bar = (i: number) => rows(el)[i]!.querySelector<HTMLElement>('.bar span')!.style.width;
    const pressed = (i: number) => rows(el)[i]!.querySelector('.pick')!.getAttribute('aria-pressed');
    await until(() => rows(el).length === 2, 'two queues');
    expect([bar(0), bar(1)]).to.deep.equal(['100%', '50%']);
    // Only alpha's summary is pushed; beta's row is drawn again for the new deepest queue.
    await fx.server.heartbeat('a1', { queueStats: queueStats({ depth: 20 }) });
    await until(() => bar(1) === '25%', "beta's bar against the new deepest", 3000);
    expect(pressed(1)).to.equal('false');
    el.selection = 'queue:beta';
    await el.updateComplete;
    expect([pressed(0), pressed(1)]).to.deep.equal(['false', 'true']);
  });

  it('sorts by any column with aria-sort, and filters by text', async () => {
    for (const [id, depth, rate] of [
      ['alpha', 3, 9],
      ['beta', 9, 1],
      ['gamma', 6, 5],
    ] as const) {
      await fx.server.register({ id, queue: id, queueStats: queueStats({ depth, ratePerSec: rate }) });
    }
    const { el } = await mountConnected<QueuesView>(fx.server, '<queues-view></queues-view>', 'queues-view');
    await until(() => rows(el).length === 3, 'three queues');
    expect(header(el, 'Depth').getAttribute('aria-sort')).to.equal('descending');
    expect(names(el)).to.deep.equal(['beta', 'gamma', 'alpha']);
    header(el, 'Rate/s').querySelector('button')!.click();
    await el.updateComplete;
    expect(names(el)).to.deep.equal(['alpha', 'gamma', 'beta']);
    expect(header(el, 'Rate/s').getAttribute('aria-sort')).to.equal('descending');
    expect(header(el, 'Depth').hasAttribute('aria-sort')).to.equal(false);
    header(el, 'Rate/s').querySelector('button')!.click();
    await el.updateComplete;
    expect(header(el, 'Rate/s').getAttribute('aria-sort')).to.equal('ascending');
    expect(names(el)).to.deep.equal(['beta', 'gamma', 'alpha']);
    header(el, 'Queue').querySelector('button')!.click();
    await el.updateComplete;
    expect(names(el)).to.deep.equal(['alpha', 'beta', 'gamma']);

    const input = el.shadowRoot!.querySelector<HTMLInputElement>('input[type="search"]')!;
    input.value = 'MM';
    input.dispatchEvent(new Event('input'));
    await el.updateComplete;
    expect(names(el)).to.deep.equal(['gamma']);
    expect(el.getAttribute('filter')).to.equal('MM');
    expect(textOf(el)).to.contain('1 of 3 queues');
  });

  it('has a sticky header and renders only the rows in view of 1,000 queues, however sorted', async function () {
    this.timeout(60_000);
    const ids = Array.from({ length: 1000 }, (_, i) => `q-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids
          .slice(i, i + 50)
          .map((id, j) =>
            fx.server.register({ id, queue: id, queueStats: queueStats({ depth: (i + j) % 97 }) }),
          ),
      );
    }
    const { el } = await mountConnected<QueuesView>(fx.server, '<queues-view></queues-view>', 'queues-view');
    const table = el.shadowRoot!.querySelector('table')!;
    await until(() => table.getAttribute('aria-rowcount') === '1001', 'all 1,000 queues');
    // A viewport's worth of rows plus the overscan below it is in the DOM, not 1,000.
    const scroller = el.shadowRoot!.querySelector<HTMLElement>('.scroller')!;
    const rowPx = rows(el)[0]!.getBoundingClientRect().height;
    const windowRows = Math.ceil(scroller.clientHeight / rowPx) + 2 * OVERSCAN;
    expect(rows(el).length).to.be.within(Math.floor(scroller.clientHeight / rowPx), windowRows);

    // Re-sorting re-renders the same window, with the right rows in it.
    const expected = { 'Rate/s': 'q-0000', Depth: 'q-0096', Queue: 'q-0000' };
    for (const [column, first] of Object.entries(expected)) {
      header(el, column).querySelector('button')!.click();
      await el.updateComplete;
      expect(names(el)[0], `first row sorted by ${column}`).to.equal(first);
      expect(rows(el).length).to.be.at.most(windowRows);
    }
    expect(rows(el)[0]!.getAttribute('aria-rowindex')).to.equal('2');

    // Scrolled to the end: the last queues are rendered and the header stays on top.
    scroller.scrollTop = scroller.scrollHeight;
    await until(() => names(el).includes('q-0999'), 'last rows after scrolling');
    expect(rows(el).at(-1)!.getAttribute('aria-rowindex')).to.equal('1001');
    expect(rows(el).length).to.be.at.most(windowRows);
    const th = el.shadowRoot!.querySelector('th')!;
    expect(getComputedStyle(th).position).to.equal('sticky');
    expect(th.getBoundingClientRect().top).to.be.closeTo(scroller.getBoundingClientRect().top + 1, 2);

    // Live updates still land with 1,000 queues.
    await fx.server.heartbeat('q-0999', { queueStats: queueStats({ depth: 500 }) });
    await until(() => rows(el).at(-1)!.cells[1]!.textContent!.includes('500'), 'update');
  });

  it('fits a narrow column without scrolling sideways, dropping In flight and Processed', async () => {
    await fx.server.register({
      id: 'n1',
      queue: 'notifications-outbound',
      queueStats: queueStats({ depth: 123_456, failed: 12_345, ratePerSec: 987.6, processed: 9_999_999 }),
    });
    const { el } = await mountConnected<QueuesView>(
      fx.server,
      '<queues-view style="width: 560px"></queues-view>',
      'queues-view',
    );
    await until(() => rows(el).length === 1, 'row');
    const scroller = el.shadowRoot!.querySelector<HTMLElement>('.scroller')!;
    expect(scroller.scrollWidth).to.be.at.most(scroller.clientWidth);
    const headers = [...el.shadowRoot!.querySelectorAll('th')].filter((th) => th.offsetWidth > 0);
    expect(headers.map((th) => th.textContent!.trim())).to.deep.equal([
      'Queue',
      'Depth↓',
      'Failed',
      'Rate/s',
      'Consumers',
    ]);
    // The demo's column at 1,400 px: all seven columns, still no sideways scroll.
    el.style.width = '632px';
    expect(scroller.scrollWidth).to.be.at.most(scroller.clientWidth);
    expect([...el.shadowRoot!.querySelectorAll('th')].filter((th) => th.offsetWidth > 0)).to.have.length(7);
  });

  it('renders hostile queue names as text', async () => {
    await fx.server.register({ id: 'evil', queue: HOSTILE, queueStats: queueStats({ depth: 1 }) });
    const { el } = await mountConnected<QueuesView>(fx.server, '<queues-view></queues-view>', 'queues-view');
    await until(() => rows(el).length === 1, 'row');
    expect(names(el)).to.deep.equal([HOSTILE]);
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
  });
});

behavesLikeAPulseElement('queues-view');
