import { expect } from '@open-wc/testing';
import '../define.js';
import {
  behavesLikeAPulseElement,
  metrics,
  mountConnected,
  serverPerTest,
  startServer,
  textOf,
  until,
} from '../../test/drive-workers.js';
import type { SystemMetrics } from './system-metrics.js';

const tile = (el: SystemMetrics, label: string) =>
  [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="card"]')].find(
    (t) => t.querySelector('.label')!.textContent === label,
  );
const value = (el: SystemMetrics, label: string) =>
  tile(el, label)?.querySelector('[part~="value"]')?.textContent?.trim();

describe('<system-metrics>', () => {
  const fx = serverPerTest();

  it('shows an empty state, then the fleet figures the server computes', async () => {
    const { el } = await mountConnected<SystemMetrics>(
      fx.server,
      '<system-metrics></system-metrics>',
      'system-metrics',
    );
    expect(textOf(el)).to.contain('No metrics yet');
    await fx.server.register({
      id: 'a',
      name: 'A',
      status: 'healthy',
      metrics: metrics({ cpu: 20, memoryBytes: 256 * 1024 ** 2, requestsPerSec: 10, responseTimeMs: 40 }),
    });
    await fx.server.register({
      id: 'b',
      name: 'B',
      status: 'healthy',
      metrics: metrics({ cpu: 60, memoryBytes: 768 * 1024 ** 2, requestsPerSec: 30, responseTimeMs: 80 }),
    });
    await until(() => value(el, 'CPU') === '40%', 'CPU average');
    expect(tile(el, 'CPU')!.textContent).to.contain('max 60%');
    expect(value(el, 'Memory')).to.equal('1 GiB');
    expect(value(el, 'Requests')).to.equal('40/s');
    expect(value(el, 'Response time')).to.equal('60 ms');
    expect(value(el, 'Workers')).to.contain('2').and.contain('/ 2 healthy');
  });

  it('updates on heartbeats and draws trends over `window` seconds', async () => {
    await fx.server.register({ id: 'a', name: 'A', status: 'healthy', metrics: metrics({ cpu: 10 }) });
    const { el } = await mountConnected<SystemMetrics>(
      fx.server,
      '<system-metrics window="60"></system-metrics>',
      'system-metrics',
    );
    for (const cpu of [30, 50, 70]) {
      await fx.server.heartbeat('a', { metrics: metrics({ cpu }) });
      await until(() => value(el, 'CPU') === `${cpu}%`, `CPU ${cpu}%`);
    }
    const points = () => tile(el, 'CPU')!.querySelector('polyline')!.getAttribute('points')!;
    expect(points().split(' ').length).to.be.at.least(3);
    // Less history than the window is drawn across the whole width, not squeezed at the right edge.
    expect(points().startsWith('0,')).to.equal(true);
    // A one-second window keeps only the newest samples (history now spans more than a second).
    await new Promise((r) => setTimeout(r, 1100));
    await fx.server.heartbeat('a', { metrics: metrics({ cpu: 90 }) });
    await until(() => value(el, 'CPU') === '90%', 'CPU 90%');
    const before = points();
    el.window = 1;
    await el.updateComplete;
    expect(points()).not.to.equal(before);
    expect(textOf(el)).to.contain('last 1 s');
  });

  it('counts workers by status, and leaves departed workers out', async () => {
    await fx.server.register({ id: 'a', name: 'A', status: 'healthy', metrics: metrics() });
    await fx.server.register({ id: 'b', name: 'B', status: 'unhealthy', metrics: metrics() });
    const { el } = await mountConnected<SystemMetrics>(
      fx.server,
      '<system-metrics></system-metrics>',
      'system-metrics',
    );
    await until(() => tile(el, 'Workers')!.textContent!.includes('1 unhealthy'), 'by status');
    await fx.server.leave('b');
    await until(() => value(el, 'Workers')!.includes('/ 1 healthy'), 'one left');
  });

  it('counts workers from the live list, not the server aggregates of up to 5 s ago', async () => {
    await fx.server.stop();
    fx.server = await startServer({ dashboardIntervalMs: 60_000 });
    await fx.server.register({ id: 'a', name: 'A', status: 'healthy', metrics: metrics() });
    const { el } = await mountConnected<SystemMetrics>(
      fx.server,
      '<system-metrics></system-metrics>',
      'system-metrics',
    );
    await until(() => value(el, 'Workers')?.includes('/ 1 healthy'), 'first worker');
    await fx.server.register({ id: 'b', name: 'B', status: 'degraded', metrics: metrics() });
    await until(() => value(el, 'Workers')!.includes('/ 2 healthy'), 'second worker at once', 2000);
    expect(tile(el, 'Workers')!.textContent).to.contain('1 degraded');
  });
});

behavesLikeAPulseElement('system-metrics');
