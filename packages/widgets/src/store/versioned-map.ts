/**
 * A map the store changes in place without a state it handed out seeing the change. Each state holds a version;
 * the versions of a chain share one `Map`, which the newest reads directly and the store changes through
 * `next()`. The version before keeps, for each key changed, the value it had (its undo), so it reads as it was:
 * through the undos on the way to the newest. A metrics tick then costs per changed worker, not a copy of the
 * 10,000-entry `workers` and `history` maps per state.
 *
 * Bounded: once a chain has recorded as many changes as the map has entries, or is about 32 versions long, the
 * next version starts a chain of its own on a copy (O(1) a change, amortized). A state held back (a paused
 * element) then keeps at most that many undos alive, and a read of it passes at most that many versions.
 *
 * Values are never undefined (an undo's undefined is an absent key). Reducers iterate a version only while
 * they do not change the next one, except to delete the key they are at.
 */
export class VersionedMap<K, V> implements ReadonlyMap<K, V> {
  /** The newest version's entries, shared by the chain. */
  readonly #live: Map<K, V>;
  /** What the chain has cost so far: the changes recorded, and a 32nd of the entries a version. */
  #cost: number;
  /** While this is the newest version: its predecessor's undo, where it records what it changes. */
  #prior?: Map<K, V | undefined>;
  /** Once a later version exists: the values this one had of the keys changed since, that version, and the size. */
  #undo?: Map<K, V | undefined>;
  #next?: VersionedMap<K, V>;
  #size = 0;

  constructor(entries = new Map<K, V>(), cost = 0) {
    this.#live = entries;
    this.#cost = cost;
  }

  /**
   * The version after this one, which the store changes (`set`, `delete`) until it hands it out. From an older
   * version (a reducer went on from an older state) it starts a new chain too.
   */
  next(): VersionedMap<K, V> {
    const live = this.#live;
    if (this.#undo || this.#cost > live.size) return new VersionedMap(new Map(this.#view()));
    const next = new VersionedMap(live, this.#cost + 1 + (live.size >> 5));
    next.#prior = this.#undo = new Map();
    this.#next = next;
    this.#size = live.size;
    this.#prior = undefined;
    return next;
  }

  set(key: K, value: V): this {
    this.#record(key).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.#record(key).delete(key);
  }

  get(key: K): V | undefined {
    let version: VersionedMap<K, V> = this;
    for (; version.#undo; version = version.#next!) if (version.#undo.has(key)) return version.#undo.get(key);
    return this.#live.get(key);
  }

  has(key: K): boolean {
    return this.get(key) !== undefined;
  }

  /** How many entries this version holds. */
  get size(): number {
    return this.#undo ? this.#size : this.#live.size;
  }

  keys() {
    return this.#view().keys();
  }

  values() {
    return this.#view().values();
  }

  entries() {
    return this.#view().entries();
  }

  [Symbol.iterator]() {
    return this.entries();
  }

  forEach(each: (value: V, key: K, map: ReadonlyMap<K, V>) => void, self?: unknown): void {
    for (const [key, value] of this.#view()) each.call(self, value, key, this);
  }

  /** The entries to change `key` in, its predecessor's value going to that one's undo the first time. */
  #record(key: K): Map<K, V> {
    const undo = this.#prior;
    if (undo && !undo.has(key)) {
      undo.set(key, this.#live.get(key));
      this.#cost++;
    }
    return this.#live;
  }

  /** This version's entries: the newest's, or for an older one a copy with the undos up to it applied. */
  #view(): ReadonlyMap<K, V> {
    const undo = this.#undo;
    if (!undo) return this.#live;
    const next = this.#next!;
    const entries = next.#undo ? (next.#view() as Map<K, V>) : new Map(this.#live);
    for (const [key, value] of undo) value === undefined ? entries.delete(key) : entries.set(key, value);
    return entries;
  }
}
