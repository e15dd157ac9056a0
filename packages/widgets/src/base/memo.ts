/**
 * What lit's `guard` does, without its directive runtime: `make()` is
 * remembered per owner object while `deps` stay the same (compared with `===`).
 * A template result given again is the same object, so lit finds every value
 * in it unchanged and writes nothing. One `Memo` per element, since a result
 * holds that element's event handlers (call sites sharing it use different
 * owners); owners are keyed weakly, so a replaced worker object takes its
 * entry with it.
 */
export class Memo {
  readonly #entries = new WeakMap<object, { deps: readonly unknown[]; value: unknown }>();

  get<T>(owner: object, deps: readonly unknown[], make: () => T): T {
    const last = this.#entries.get(owner);
    // Each call site passes its deps in a fixed order and number.
    if (last?.deps.every((dep, i) => dep === deps[i])) return last.value as T;
    const value = make();
    this.#entries.set(owner, { deps, value });
    return value;
  }
}
