import { expect } from '@open-wc/testing';
import { type Level, nextLevel, worstLevel } from './hysteresis.js';

const t = { warning: 10, critical: 100, hysteresis: 0.1 };
const run = (values: number[], start: Level = 'ok') => {
  const out: Level[] = [];
  let level = start;
  for (const v of values) {
    level = nextLevel(level, v, t);
    out.push(level);
  }
  return out;
};

describe('nextLevel (hysteresis)', () => {
  it('rises as soon as a threshold is reached', () => {
    expect(run([0, 10, 99, 100])).to.deep.equal(['ok', 'warning', 'warning', 'critical']);
    expect(run([150])).to.deep.equal(['critical']);
  });

  it('does not flap when the value hovers at a threshold', () => {
    expect(run([10, 9, 10, 9.5, 10])).to.deep.equal(['warning', 'warning', 'warning', 'warning', 'warning']);
    expect(run([100, 95, 100, 91])).to.deep.equal(['critical', 'critical', 'critical', 'critical']);
  });

  it('drops once clearly below the threshold', () => {
    expect(run([10, 8.9])).to.deep.equal(['warning', 'ok']);
    expect(run([100, 89, 5])).to.deep.equal(['critical', 'warning', 'ok']);
  });

  it('ignores NaN and negative values', () => {
    expect(nextLevel('warning', Number.NaN, t)).to.equal('warning');
    expect(nextLevel('critical', -1, t)).to.equal('critical');
  });

  it('treats a critical below warning as equal to warning', () => {
    expect(nextLevel('ok', 10, { warning: 10, critical: 5, hysteresis: 0 })).to.equal('critical');
  });

  it('finds the worst level', () => {
    expect(worstLevel([])).to.equal('ok');
    expect(worstLevel(['ok', 'critical', 'warning'])).to.equal('critical');
  });
});
