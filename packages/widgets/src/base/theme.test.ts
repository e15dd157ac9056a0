import { expect } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import '../define.js';
import { mount, serverPerTest, until } from '../../test/drive-workers.js';

/** The scheme an element draws in: its tokens set `color-scheme` on its host. */
const scheme = (el: Element) => getComputedStyle(el).colorScheme;
const settle = (el: Element) => (el as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;

describe('theme', () => {
  const fx = serverPerTest();

  afterEach(() => emulateMedia({ colorScheme: 'light' }));

  it('<sse-connection theme> reaches every element it provides, unless one sets its own', async () => {
    const wrap = mount(
      `<sse-connection src="${fx.server.events}" theme="dark"><health-cards></health-cards><logs-view theme="light"></logs-view></sse-connection>
       <sse-connection id="far" src="${fx.server.events}" theme="dark"></sse-connection><queues-view connection="far"></queues-view>`,
    );
    const [cards, logs, queues] = ['health-cards', 'logs-view', 'queues-view'].map(
      (t) => wrap.querySelector(t)!,
    );
    await until(() => scheme(cards!) === 'dark' && scheme(queues!) === 'dark', 'dark from the connection');
    expect(scheme(logs!)).to.equal('light');
    // Changed on the connection: its elements follow; the one with its own theme keeps it.
    wrap.querySelector('sse-connection')!.setAttribute('theme', 'light');
    await until(() => scheme(cards!) === 'light', 'light from the connection');
    wrap.querySelector('sse-connection')!.setAttribute('theme', 'dark');
    logs!.removeAttribute('theme');
    await until(() => scheme(logs!) === 'dark', 'own theme removed: the connection’s');
    logs!.setAttribute('theme', 'auto');
    await settle(logs!);
    expect(scheme(logs!)).to.equal('light');
  });

  it("auto follows the page's color-scheme before the operating system's", async () => {
    await emulateMedia({ colorScheme: 'dark' });
    const wrap = mount(
      `<div style="color-scheme: light"><sse-connection src="${fx.server.events}"><health-cards></health-cards></sse-connection></div>
       <div style="color-scheme: only dark"><system-metrics theme="auto"></system-metrics></div>
       <div><dlq-monitor></dlq-monitor></div>`,
    );
    const [cards, metrics, dlq] = ['health-cards', 'system-metrics', 'dlq-monitor'].map(
      (t) => wrap.querySelector(t)!,
    );
    await Promise.all([cards!, metrics!, dlq!].map(settle));
    // The OS is dark: the page that says light stays light; a page that says nothing follows the OS.
    expect(scheme(cards!)).to.equal('light');
    expect(scheme(metrics!)).to.equal('dark');
    expect(scheme(dlq!)).to.equal('dark');
    await emulateMedia({ colorScheme: 'light' });
    expect(scheme(cards!)).to.equal('light');
    expect(scheme(metrics!)).to.equal('dark');
    expect(scheme(dlq!)).to.equal('light');
  });
});
