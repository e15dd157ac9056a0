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
    const container = mount(
      `<sse-connection src="${server.events}"><health-cards></health-cards></sse-connection>`,
    );
    const el = container.querySelector('health-cards')!;
    await until(() => textOf(el).includes('Not connected'), 'no provider yet');
    expect(customElements.get('sse-connection')).to.equal(undefined);

    customElements.define('sse-connection', SseConnection);
    await until(
      () => textOf(el).includes('Late bloomer') && textOf(el).includes('Live'),
      'connected after upgrade',
    );
  });
});
