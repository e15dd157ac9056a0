import { expect } from '@open-wc/testing';
import { ErrorRates } from './error-rates.js';

const MIN = 60_000;

describe('ErrorRates', () => {
  it('gives errors per minute over the window, and 0 once the window has passed the last error', () => {
    const rates = new ErrorRates();
    // 500 errors before the worker was first seen do not count.
    expect(rates.rate('a', 500, 0, 5 * MIN)).to.equal(0);
    expect(rates.rate('a', 510, 10_000, 5 * MIN)).to.equal(2);
    expect(rates.rate('a', 550, 2 * MIN, 5 * MIN)).to.equal(10);
    // No more errors: the rate stays until the window has passed them, then is 0.
    expect(rates.rate('a', 550, 4 * MIN, 5 * MIN)).to.equal(10);
    expect(rates.rate('a', 550, 5 * MIN + 10_000, 5 * MIN)).to.equal(8);
    expect(rates.rate('a', 550, 7 * MIN + 1000, 5 * MIN)).to.equal(0);
  });

  it('counts on from 0 after a restart, and forgets workers that left', () => {
    const rates = new ErrorRates();
    rates.rate('a', 40, 0, MIN);
    expect(rates.rate('a', 45, 1000, MIN)).to.equal(5);
    // Restarted: its count starts again; 3 new errors.
    expect(rates.rate('a', 3, 2000, MIN)).to.equal(8);
    rates.forget('a');
    expect(rates.rate('a', 100, 3000, MIN)).to.equal(0);
  });

  it('keeps its rate with counts arriving ten times a second (a sample kept at most every window/60)', () => {
    const rates = new ErrorRates();
    let rate = 0;
    // One error a second for ten minutes: 60 a minute.
    for (let at = 0; at <= 10 * MIN; at += 100) rate = rates.rate('a', Math.floor(at / 1000), at, MIN);
    expect(rate).to.be.within(59, 61);
  });
});
