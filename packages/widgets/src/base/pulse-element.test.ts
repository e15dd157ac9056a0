// Deliberately not importing define.ts: this page defines the widget first and
// the provider later, as a page whose scripts load in that order would.
import { expect } from '@open-wc/testing';
import { mount, startServer, type TestServer, textOf, unmountAll, until } from '../../test/drive-workers.js';
import { HealthCards } from '../health-cards/health-cards.js';
import { SseConnection } from '../sse-connection/sse-connection.js';

describe('PulseElement with a provider that upgrades late', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    unmountAll();
    await server.stop();
  });

  it('connects a consumer defined and attached before <sse-connection> is defined', async () => {
    await server.register({ id: 'late-1', name: 'Late bloomer' });
    customElements.define('health-cards', HealthCards);
    // A second provider nested in the first: the outer one answers first (it upgrades first), then hands the
    // consumer inside the inner one over to it.
    const container = mount(
      `<sse-connection src="${server.events}"><health-cards></health-cards>` +
        `<sse-connection id="inner" shared="false"><health-cards></health-cards></sse-connection></sse-connection>`,
    );
    const [el, nested] = container.querySelectorAll('health-cards');
    if (!el || !nested) throw new Error('mounted');
    await until(() => textOf(el).includes('Not connected'), 'no provider yet');
    expect(customElements.get('sse-connection')).to.equal(undefined);

    customElements.define('sse-connection', SseConnection);
    await until(
      () => textOf(el).includes('Late bloomer') && textOf(el).includes('Live'),
      'connected after upgrade',
    );
    const outer = container.querySelector('sse-connection')!;
    const inner = container.querySelector<SseConnection>('#inner')!;
    expect(el.client).to.equal(outer.client);
    expect(nested.client).to.equal(inner.client);
    expect(inner.client).not.to.equal(outer.client);
  });
});
