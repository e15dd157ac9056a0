import { expect } from '@open-wc/testing';
import { compareNames } from './format.js';
import { NameOrder } from './name-order.js';

describe('NameOrder', () => {
  const byPlace = (order: NameOrder, names: string[]) =>
    [...names].sort((a, b) => order.place(a) - order.place(b));

  it('orders as compareNames does: numbers by value, case ignored, equal names sharing a place', () => {
    const names = ['worker-10', 'Worker-2', 'alpha', 'worker-2', 'Zed', 'beta'];
    const order = new NameOrder();
    order.prepare(names);
    expect(byPlace(order, names)).to.deep.equal([...names].sort(compareNames));
    expect(order.place('Worker-2')).to.equal(order.place('worker-2'));
    expect(order.place('worker-10')).to.be.greaterThan(order.place('worker-2'));
  });

  it('places a new name among the others, and forgets names no longer asked about', () => {
    const order = new NameOrder();
    order.prepare(['b', 'd']);
    order.prepare(['b', 'c', 'd']);
    expect(byPlace(order, ['d', 'c', 'b'])).to.deep.equal(['b', 'c', 'd']);
    order.prepare(['a', 'c']);
    expect(order.place('a')).to.be.lessThan(order.place('c'));
    // 'b' and 'd' were not in the last list: they have no place of their own now.
    expect(order.place('d')).to.equal(0);
  });
});
