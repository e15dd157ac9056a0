import { expect } from '@open-wc/testing';
import { SPARKLINE_HEIGHT, SPARKLINE_WIDTH, sparklineCoords, sparklinePoints } from './sparkline.js';

describe('sparklinePoints', () => {
  it('maps time to x and value to y, lowest at the bottom', () => {
    const coords = sparklineCoords([
      { at: 0, value: 10 },
      { at: 50, value: 20 },
      { at: 100, value: 30 },
    ]);
    expect(coords.map(([x]) => x)).to.deep.equal([0, SPARKLINE_WIDTH / 2, SPARKLINE_WIDTH]);
    const [low, mid, high] = coords.map(([, y]) => y);
    expect(low).to.be.greaterThan(mid!);
    expect(mid).to.be.greaterThan(high!);
    expect(low).to.be.at.most(SPARKLINE_HEIGHT);
    expect(high).to.be.at.least(0);
  });

  it('draws a flat series through the middle', () => {
    const ys = sparklineCoords([
      { at: 0, value: 5 },
      { at: 10, value: 5 },
    ]).map(([, y]) => y);
    expect(ys).to.deep.equal([SPARKLINE_HEIGHT / 2, SPARKLINE_HEIGHT / 2]);
  });

  it('places samples within an explicit window and drops those outside it', () => {
    const coords = sparklineCoords(
      [
        { at: 0, value: 1 },
        { at: 150, value: 2 },
        { at: 200, value: 3 },
      ],
      { from: 100, to: 200 },
    );
    expect(coords.map(([x]) => x)).to.deep.equal([50, 100]);
  });

  it('skips NaN and negative values and survives empty input', () => {
    expect(sparklinePoints([])).to.equal('');
    expect(
      sparklinePoints([
        { at: 0, value: Number.NaN },
        { at: 1, value: -4 },
      ]),
    ).to.equal('');
    const coords = sparklineCoords([
      { at: 0, value: 1 },
      { at: 5, value: Number.NaN },
      { at: 10, value: 3 },
    ]);
    expect(coords).to.have.length(2);
  });

  it('draws a lone sample as a short stroke', () => {
    expect(sparklineCoords([{ at: 5, value: 1 }])).to.have.length(2);
  });
});
