/**
 * The demo's React 19 and Vue 3 apps, built by `npm test`'s pretest step
 * (demo/test/apps), mounted against a real server: the elements render live
 * data and the apps' state follows the elements' events.
 */
import { expect } from '@open-wc/testing';
import {
  metrics,
  queueStats,
  startServer,
  type TestServer,
  textOf,
  until,
} from '../../../packages/widgets/test/drive-workers.js';

type Mount = (container: HTMLElement, src: string) => () => void;

for (const [name, bundle] of [
  ['React 19', 'react-app.js'],
  ['Vue 3', 'vue-app.js'],
] as const) {
  describe(`the demo's ${name} app`, () => {
    let server: TestServer;
    let container: HTMLElement;
    let unmount: (() => void) | undefined;

    beforeEach(async () => {
      server = await startServer();
      container = document.createElement('div');
      document.body.append(container);
    });
    afterEach(async () => {
      unmount?.();
      container.remove();
      await server.stop();
    });

    it('renders the elements with live data and receives their events', async () => {
      await server.register({
        id: 'mail-1',
        name: 'Email sender',
        queue: 'email',
        status: 'healthy',
        metrics: metrics(),
        queueStats: queueStats(),
      });
      const { mount } = (await import(`/demo/test/apps/dist/${bundle}`)) as { mount: Mount };
      unmount = mount(container, server.events);
      const state = () => container.querySelector('[data-test="state"]')?.textContent?.trim();
      const alerts = () => Number(container.querySelector('[data-test="alerts"]')?.textContent);

      // pulse-connection-change, handled by the app, shown from its state.
      await until(
        () => state() === 'open',
        `the app's connection state to be "open" (is "${state()}")`,
        10_000,
      );
      const cards = container.querySelector('health-cards')!;
      await until(() => textOf(cards).includes('Email sender'), 'the worker card');
      expect(alerts()).to.equal(0);

      // Dead letters over the critical threshold: pulse-threshold-change reaches the app's state.
      await server.heartbeat('mail-1', { queueStats: queueStats({ deadLetter: 250 }) });
      await until(() => alerts() > 0, 'a pulse-threshold-change in the app state');
      expect(container.querySelector('.framework-panel li')?.textContent).to.contain('critical');

      await server.register({ id: 'push-1', name: 'Push notifications', status: 'healthy' });
      await until(() => textOf(cards).includes('Push notifications'), 'a worker registered later');
    });
  });
}

describe('the @lit/react wrappers', () => {
  let container: HTMLElement;
  let unmount: (() => void) | undefined;
  afterEach(() => {
    unmount?.();
    container.remove();
  });

  it('hand every event the manifest lists for a tag to its on… prop', async () => {
    const manifest = await (await fetch('/packages/widgets/custom-elements.json')).json();
    const fires = new Map<string, string[]>();
    for (const mod of manifest.modules)
      for (const d of mod.declarations ?? [])
        if (d.tagName)
          fires.set(
            d.tagName,
            (d.events ?? []).map((e: { name: string }) => e.name),
          );
    // `pulse-threshold-change` → `onThresholdChange`, the wrappers' naming.
    const prop = (event: string) =>
      `on${event.replace(/^pulse-/, '').replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase())}`;
    const heard: string[] = [];
    const props = Object.fromEntries(
      [...fires].map(([tag, events]) => [
        tag,
        Object.fromEntries(
          events.map((e) => [prop(e), (event: Event) => heard.push(`${tag} ${event.type}`)]),
        ),
      ]),
    );
    const bundle = '/demo/test/apps/dist/react-app.js';
    const { mountWrappers } = (await import(bundle)) as {
      mountWrappers: (container: HTMLElement, props: object) => () => void;
    };
    container = document.createElement('div');
    document.body.append(container);
    unmount = mountWrappers(container, props);
    await until(() => container.querySelector('logs-view') !== null, 'the wrappers to render');

    expect(fires.size).to.equal(6);
    const expected: string[] = [];
    for (const [tag, events] of fires) {
      for (const name of events) {
        // Not bubbling: only this element's wrapper may hear it.
        container.querySelector(tag)!.dispatchEvent(new Event(name, { bubbles: false }));
        expected.push(`${tag} ${name}`);
      }
    }
    expect(heard).to.deep.equal(expected);
  });
});
