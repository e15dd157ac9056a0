import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { IDLE_STATUS } from '../transport/transport.js';
import {
  DASH,
  formatAgo,
  formatBytes,
  formatClock,
  formatCount,
  formatCountOf,
  formatDuration,
  formatMs,
  formatNumber,
  formatPercent,
  formatRatio,
  formatStamp,
  truncate,
  usable,
} from './format.js';
import { connectionLabel } from './status.js';

describe('formatters', () => {
  it('refuse NaN, infinities, negatives and non-numbers', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1, '12', null, undefined]) {
      expect(usable(bad)).to.equal(null);
      expect(formatCount(bad)).to.equal(DASH);
      expect(formatMs(bad)).to.equal(DASH);
      expect(formatBytes(bad)).to.equal(DASH);
      expect(formatDuration(bad)).to.equal(DASH);
      expect(formatClock(bad)).to.equal(DASH);
    }
  });

  it('format counts, rates and units', () => {
    expect(formatCount(1234)).to.equal('1,234');
    expect(formatCount(2_500_000)).to.equal('2.5M');
    expect(formatPercent(42.25)).to.equal('42.3%');
    expect(formatRatio(0.0004)).to.equal('<0.1%');
    expect(formatRatio(0.125)).to.equal('12.5%');
    expect(formatMs(42)).to.equal('42 ms');
    expect(formatMs(1500)).to.equal('1.5 s');
    expect(formatBytes(512)).to.equal('512 B');
    expect(formatBytes(3 * 1024 ** 3)).to.equal('3 GiB');
  });

  it('format durations with the two largest units', () => {
    expect(formatDuration(42)).to.equal('42 s');
    expect(formatDuration(125)).to.equal('2 min');
    expect(formatDuration(2 * 3600 + 5 * 60)).to.equal('2 h 5 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600 + 59)).to.equal('3 d 4 h');
  });

  it('say "ago" and never show a future time', () => {
    expect(formatAgo(10_000, 22_000)).to.equal('12 s ago');
    expect(formatAgo(30_000, 22_000)).to.equal('just now');
  });

  it('format clock times as hh:mm:ss', () => {
    expect(formatClock(Date.UTC(2026, 0, 1, 8, 5, 9))).to.match(/^\d\d:\d\d:\d\d$/);
  });

  it('stamp a time of today as hh:mm:ss and one of another day with its date', () => {
    const now = new Date(2026, 11, 5, 13, 0, 0).getTime();
    expect(formatStamp(new Date(2026, 11, 5, 0, 0, 1).getTime(), now)).to.equal('00:00:01');
    expect(formatStamp(new Date(2026, 11, 4, 23, 59, 59).getTime(), now)).to.equal('4 Dec 23:59:59');
    expect(formatStamp(Number.NaN, now)).to.equal(DASH);
  });

  it('show a dash for a time past what a Date holds', () => {
    expect(formatClock(8.64e15)).to.match(/^\d\d:\d\d:\d\d$/);
    expect(formatClock(8.7e15)).to.equal(DASH);
  });

  it('return text for any number: every double, NaN, the infinities, past what a Date holds', () => {
    const anyNumber = fc.oneof(
      fc.double(),
      fc.constantFrom(Number.NaN, Infinity, -Infinity, 8.7e15, -8.7e15, 8.64e15, -0, Number.MAX_VALUE),
    );
    fc.assert(
      fc.property(anyNumber, anyNumber, (n, now) => {
        const texts = [
          formatCount(n),
          formatNumber(n),
          formatCountOf(n, 'queue'),
          formatPercent(n),
          formatRatio(n),
          formatMs(n),
          formatBytes(n),
          formatDuration(n),
          formatAgo(n, now),
          formatClock(n),
          truncate(n, 10),
          connectionLabel({ ...IDLE_STATUS, state: 'reconnecting', nextRetryAt: n }, now),
        ];
        for (const text of texts) expect(text).to.be.a('string').and.not.equal('');
      }),
      { numRuns: 2000 },
    );
  });

  it('truncate huge strings and say how much was cut', () => {
    const big = 'x'.repeat(1_000_000);
    const out = truncate(big, 100);
    expect(out.length).to.be.lessThan(200);
    expect(out).to.contain('999,900 more characters');
    expect(truncate('short', 100)).to.equal('short');
    expect(truncate(undefined, 10)).to.equal('');
  });
});
