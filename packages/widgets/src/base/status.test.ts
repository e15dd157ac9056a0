import { expect } from '@open-wc/testing';
import type { ConnectionStatus } from '../transport/types.js';
import { connectionLabel, parseStatusList } from './status.js';

const status = (partial: Partial<ConnectionStatus>): ConnectionStatus => ({
  state: 'open',
  attempt: 0,
  lastEventAt: null,
  lastEventId: null,
  staleSince: null,
  nextRetryAt: null,
  error: null,
  ...partial,
});

describe('connectionLabel', () => {
  it('names every state in words', () => {
    expect(connectionLabel(status({ state: 'open' }))).to.equal('Live');
    expect(connectionLabel(status({ state: 'connecting' }))).to.equal('Connecting…');
    expect(connectionLabel(status({ state: 'failed' }))).to.equal('Failed');
    expect(connectionLabel(status({ state: 'unauthorized' }))).to.equal('Unauthorized');
    expect(connectionLabel(status({ state: 'closed' }))).to.equal('Closed');
    expect(connectionLabel(status({ state: 'idle' }))).to.equal('Not started');
  });

  it('counts down to the next attempt, and leaves the countdown out for screen readers', () => {
    const reconnecting = status({ state: 'reconnecting', nextRetryAt: 10_000 });
    expect(connectionLabel(reconnecting, 5_200)).to.equal('Reconnecting in 5 s');
    expect(connectionLabel(reconnecting, 10_500)).to.equal('Reconnecting…');
    expect(connectionLabel(reconnecting)).to.equal('Reconnecting…');
  });
});

describe('parseStatusList', () => {
  it('reads space- or comma-separated statuses and ignores unknown words', () => {
    expect(parseStatusList('Degraded, unhealthy  bogus')).to.deep.equal(['degraded', 'unhealthy']);
    expect(parseStatusList(null)).to.deep.equal([]);
  });
});
