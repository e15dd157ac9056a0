import { expect } from '@open-wc/testing';
import '../define.js';
import {
  mount,
  queueStats,
  startServer,
  type TestServer,
  unmountAll,
  until,
} from '../../test/drive-workers.js';
import type { PulseClient } from '../client/types.js';
import type { DlqMonitor } from '../dlq-monitor/dlq-monitor.js';
import type { QueuesView } from '../queues-view/queues-view.js';

/**
 * Issue 14: a heartbeat that changes only a queue's stats reaches the elements
 * as a `queues_update`, not with the next periodic `dashboard_update`. The
 * server's dashboard interval is a minute, so only the push can pass in time.
 * Each element has a connection of its own, so each asks the server only for
 * the event types its slices need (`?types=`).
 */
describe('queue stats are pushed (queues_update)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startServer({ dashboardIntervalMs: 60_000 });
  });
  afterEach(async () => {
    unmountAll();
    await server.stop();
  });

  /** Mounts `tag` under a connection of its own and counts the dashboard_update events it receives. */
  async function alone<T extends HTMLElement>(tag: string) {
    const container = mount(
      `<sse-connection shared="false" src="${server.events}"><${tag}></${tag}></sse-connection>`,
    );
    const el = container.querySelector(tag) as T;
    const client = (container.firstElementChild as HTMLElement & { client: PulseClient }).client;
    const seen = { dashboards: 0 };
    client.subscribe('dashboard_update', () => seen.dashboards++);
    await until(() => el.shadowRoot?.textContent?.includes('email'), `${tag} shows the queue`);
    return { el, seen };
  }

  const depthOf = (el: QueuesView) =>
    [...el.shadowRoot!.querySelectorAll<HTMLTableRowElement>('tbody tr[part~="row"]')]
      .find((r) => r.cells[0]!.textContent!.trim() === 'email')
      ?.cells[1]?.textContent?.trim();
  const deadLettersOf = (el: DlqMonitor) =>
    [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="row"]')]
      .find((r) => r.querySelector('.pick')?.textContent === 'email')
      ?.querySelector('[part~="value"]')
      ?.textContent?.trim();

  it('a heartbeat changing only the depth and dead letters reaches <queues-view> and <dlq-monitor> with no dashboard_update between', async () => {
    await server.register({
      id: 'mailer-1',
      queue: 'email',
      status: 'healthy',
      queueStats: queueStats({ depth: 5, deadLetter: 1 }),
    });
    const queues = await alone<QueuesView>('queues-view');
    const dlq = await alone<DlqMonitor>('dlq-monitor');
    await until(() => depthOf(queues.el) === '5' && deadLettersOf(dlq.el) === '1', 'the first stats');
    const before = [queues.seen.dashboards, dlq.seen.dashboards];

    await server.heartbeat('mailer-1', {
      status: 'healthy',
      queueStats: queueStats({ depth: 42, deadLetter: 17 }),
    });
    await until(() => depthOf(queues.el) === '42', '<queues-view> shows depth 42', 3000);
    await until(() => deadLettersOf(dlq.el) === '17', '<dlq-monitor> shows 17 dead letters', 3000);
    expect(
      [queues.seen.dashboards, dlq.seen.dashboards],
      'dashboard_update events since the heartbeat',
    ).to.deep.equal(before);
  });
});
