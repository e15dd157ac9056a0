import { compareNames } from './format.js';

/**
 * Names in `compareNames` order, each given its place once: collating is the
 * cost of a sort (10,000 worker names took ~100 ms per update), and a fleet's
 * names rarely change, so later sorts compare two integers. Places are worked
 * out again only when a name shows up that has none, and then only for the
 * names asked about, so names that left are forgotten.
 */
export class NameOrder {
  #places = new Map<string, number>();

  /** Makes sure every one of `names` has a place; call before `compare` with a list's names. */
  prepare(names: readonly string[]): void {
    if (names.every((name) => this.#places.has(name))) return;
    const sorted = [...new Set(names)].sort(compareNames);
    // Names that collate equal share a place, so the order stays the one compareNames gives.
    this.#places = new Map();
    let place = 0;
    sorted.forEach((name, i) => {
      if (i > 0 && compareNames(sorted[i - 1]!, name) !== 0) place = i;
      this.#places.set(name, place);
    });
  }

  /** A name's place, for comparisons: prepared names only. */
  place(name: string): number {
    return this.#places.get(name) ?? 0;
  }
}
