// Each test page starts with no tags defined: this one registers some of them first, as another library or a
// second copy of Pulseboard would, then loads the define entries.
import { expect } from '@open-wc/testing';
import { PULSEBOARD_ELEMENT } from '../base/mark.js';

describe('define entries', () => {
  const warnings: unknown[][] = [];
  const warn = console.warn;

  before(() => {
    console.warn = (...args: unknown[]) => warnings.push(args);
  });
  after(() => {
    console.warn = warn;
  });

  it('registers one tag with its provider, skips a second copy quietly, and warns about a foreign tag', async () => {
    class Foreign extends HTMLElement {}
    // Another copy of Pulseboard: its own class, carrying the mark.
    class OtherCopy extends HTMLElement {
      static readonly [PULSEBOARD_ELEMENT] = true;
    }
    customElements.define('queues-view', Foreign);
    customElements.define('logs-view', OtherCopy);

    await import('./health-cards.js');
    expect(customElements.get('health-cards')?.name).to.equal('HealthCards');
    expect(customElements.get('sse-connection')?.name).to.equal('SseConnection');
    expect(customElements.get('dlq-monitor')).to.equal(undefined);
    expect(warnings).to.deep.equal([]);

    await import('../define.js');
    expect(customElements.get('dlq-monitor')?.name).to.equal('DlqMonitor');
    expect(customElements.get('queues-view')).to.equal(Foreign);
    expect(customElements.get('logs-view')).to.equal(OtherCopy);
    expect(warnings.map(([message]) => message)).to.deep.equal([
      "[pulseboard] <queues-view> is already defined by something else; Pulseboard's is not registered.",
    ]);
  });
});
