import type { InitialDataPayload } from '@pulseboard/protocol';
import { pruneDeparted, type RawEvent, type Reduction, reduce } from './reduce.js';
import { toInitialData } from './snapshot.js';
import { createState, type StoreOptions, type StoreState, withOptions } from './state.js';
import type { Slice } from './types.js';

/**
 * The dashboard's state and everything that changes it: events applied through
 * the reducers, departed workers pruned once they have faded, and watchers of
 * slices told of changes once per frame. Plain TypeScript: runs in Node too.
 */
export class Store {
  #state: StoreState;
  /** Reports input the store could not use: a short, stable description. */
  readonly #warn: (problem: string) => void;
  /** Maps the reducers created since the last snapshot, which they may update in place. */
  readonly #drafts = new Set<object>();
  readonly #watchers = new Set<{ slices: ReadonlySet<Slice>; handler: (state: StoreState) => void }>();
  /** Slices changed since watchers last ran; they run once per frame, however many events arrived. */
  readonly #pending = new Set<Slice>();
  #frameScheduled = false;
  #pruneTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: Partial<StoreOptions>, warn: (problem: string) => void) {
    this.#state = createState(options);
    this.#warn = warn;
  }

  /**
   * The state, sealed: whoever holds it from now on sees it unchanged (the
   * next event changes its maps in new versions: see `VersionedMap`).
   */
  snapshot(): StoreState {
    this.#drafts.clear();
    return this.#state;
  }

  /** The state as an `initial_data` payload (see `toInitialData`); null before the first snapshot. */
  initialData(): InitialDataPayload | null {
    return toInitialData(this.#state);
  }

  /** Applies one event; null when a reducer threw (which they are written not to do). */
  apply(event: RawEvent): Reduction | null {
    let result: Reduction;
    try {
      result = reduce(this.#state, event, Date.now(), this.#drafts);
    } catch {
      this.#warn(`${event.type}: could not be applied; skipped`);
      return null;
    }
    if (result.problem) this.#warn(result.problem);
    this.#take(result);
    return result;
  }

  /** New options (e.g. a larger log capacity), keeping what fits. */
  configure(options: Partial<StoreOptions>): void {
    const state = withOptions(this.#state, options);
    if (state === this.#state) return;
    this.#state = state;
    this.notify(['logs', 'history', 'aggregates']);
  }

  /**
   * `handler` runs with a snapshot after any change to one of `slices` (it must not throw: the client guards
   * the handlers it is given). Returns the function that stops it.
   */
  watch(slices: readonly Slice[], handler: (state: StoreState) => void): () => void {
    const entry = { slices: new Set(slices), handler };
    this.#watchers.add(entry);
    return () => {
      this.#watchers.delete(entry);
    };
  }

  /** Whether some watcher watches `slice`. */
  watched(slice: Slice): boolean {
    return [...this.#watchers].some((w) => w.slices.has(slice));
  }

  /**
   * Data changes reach watchers on the next animation frame, together: at 1,000
   * heartbeats/s an element renders once per frame, not once per event.
   * Connection changes go at once (rare, and `pulse-connection-change` should not wait).
   */
  notify(changed: Iterable<Slice>): void {
    for (const slice of changed) this.#pending.add(slice);
    if (this.#pending.has('connection')) this.#flush();
    else if (!this.#frameScheduled) {
      this.#frameScheduled = true;
      const flush = () => this.#flush();
      // No frames in Node or in a hidden tab; a timer still delivers there.
      if (typeof requestAnimationFrame === 'function' && !document.hidden) requestAnimationFrame(flush);
      else setTimeout(flush, 16);
    }
  }

  /** Stops pruning until the next event with departures (the connection was closed). */
  stop(): void {
    clearTimeout(this.#pruneTimer);
    this.#pruneTimer = undefined;
  }

  /** Takes the reduced state, tells the watchers of what changed, and lets any departed workers fade out. */
  #take({ state, changed }: Reduction): void {
    this.#state = state;
    if (changed.size > 0) this.notify(changed);
    if (state.departed.size > 0) this.#schedulePrune();
  }

  #flush(): void {
    this.#frameScheduled = false;
    const slices = [...this.#pending];
    this.#pending.clear();
    // Already flushed (a connection change went first): a snapshot now would end the drafts early.
    if (slices.length === 0) return;
    const state = this.snapshot();
    for (const { slices: watched, handler } of this.#watchers) {
      if (slices.some((slice) => watched.has(slice))) handler(state);
    }
  }

  /** Lets departed workers fade out and then forgets them. */
  #schedulePrune(): void {
    if (this.#pruneTimer !== undefined) return;
    const { departed, options } = this.#state;
    const oldest = Math.min(...[...departed.values()].map((d) => d.at));
    this.#pruneTimer = setTimeout(
      () => {
        this.#pruneTimer = undefined;
        this.#take(pruneDeparted(this.#state));
      },
      // Already due: a negative delay runs at once.
      oldest + options.departedTtlMs - Date.now(),
    );
  }
}
