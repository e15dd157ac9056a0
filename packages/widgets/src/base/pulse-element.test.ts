// Deliberately not importing define.ts: this page defines the widget first and
// the provider later, as a page whose scripts load in that order would.
import { ContextProvider } from '@lit/context';
import { expect } from '@open-wc/testing';
import { mount, startServer, type TestServer, textOf, unmountAll, until } from '../../test/drive-workers.js';
import { createPulseClient } from '../client/client.js';
import { pulseClientContext } from '../client/context.js';
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

  // The elements speak the context protocol themselves (the budget): lit's own ContextProvider is the oracle.
  it("takes its client from @lit/context's ContextProvider, and follows it when the provided value changes", async () => {
    if (!customElements.get('health-cards')) customElements.define('health-cards', HealthCards);
    await server.register({ id: 'lit-1', name: 'Provided by lit' });
    const container = mount('<div><health-cards></health-cards></div>');
    const host = container.firstElementChild as HTMLElement;
    const el = container.querySelector('health-cards')!;
    const first = createPulseClient();
    const provider = new ContextProvider(host, { context: pulseClientContext, initialValue: first });
    // A provider that is not a Lit element announces itself by hand, as one would after a late upgrade.
    provider.hostConnected();
    await until(() => el.client === first, 'the consumer takes the provided client');
    first.configure({ src: server.events });
    first.connect();
    await until(() => textOf(el).includes('Provided by lit'), 'rendered from the provided client');

    const second = createPulseClient();
    provider.setValue(second);
    await until(() => el.client === second, 'the consumer follows the new value');
    // The new client never connected: no worker of the old one's stream is shown.
    await until(() => !textOf(el).includes('Provided by lit'), 'rendered from the new client');
    first.disconnect();
  });
});
