/** A leader's rank: its term, then its tab id to break ties. A higher rank wins. */
export type Rank = readonly [term: number, tab: string];

export const compareRanks = (a: Rank, b: Rank): number =>
  a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);

/**
 * How the tabs of one stream agree on the one that holds the connection. The
 * election decides only when this tab may lead; heartbeats, ranks and
 * stepping down are the shared transport's. An election competes from its
 * creation on, and calls `onLead(true)` when this tab becomes the leader.
 */
export interface Election {
  /** The leader went silent (closed without a word, or frozen): lead now. */
  takeOver(): void;
  /** The leader said goodbye. */
  leaderLeft(): void;
  /** Stops leading but keeps competing. */
  resign(): void;
  /** Leaves the election for good (a new one is made to compete again). */
  stop(): void;
  /** Another tab leads or claims with `rank`. */
  heard(rank: Rank): void;
}

type OnLead = (leading: boolean) => void;

/**
 * Web Locks: the leader holds an exclusive lock for as long as it leads, the
 * other tabs queue for it, and the browser hands it to the next one when the
 * leader's tab closes or crashes. A frozen tab keeps its locks, so a tab that
 * stops hearing the leader steals the lock; the old leader's request then
 * rejects and it steps down when it wakes.
 */
export class LockElection implements Election {
  readonly #locks: LockManager;
  readonly #name: string;
  readonly #onLead: OnLead;
  /** The queued (not yet granted) request, to withdraw it when stealing or leaving. */
  #queued: AbortController | null = null;
  /** Ends the held lock's callback, releasing it. */
  #release: (() => void) | null = null;
  #stopped = false;

  constructor(locks: LockManager, name: string, onLead: OnLead) {
    this.#locks = locks;
    this.#name = name;
    this.#onLead = onLead;
    this.#request(false);
  }

  takeOver(): void {
    if (!this.#release) this.#request(true);
  }

  leaderLeft(): void {
    // Nothing to do: the browser grants the lock to the next queued tab when the leader releases it.
  }

  resign(): void {
    const release = this.#release;
    if (!release) return;
    this.#release = null;
    release();
    if (!this.#stopped) this.#request(false);
  }

  stop(): void {
    this.#stopped = true;
    this.#queued?.abort();
    this.#release?.();
  }

  heard(): void {}

  #request(steal: boolean): void {
    this.#queued?.abort();
    // A stealing request is granted at once and may not carry a signal.
    const queued = steal ? null : new AbortController();
    this.#queued = queued;
    let release: (() => void) | null = null;
    this.#locks
      .request(this.#name, queued ? { signal: queued.signal } : { steal: true }, () => {
        if (this.#stopped) return;
        if (this.#queued === queued) this.#queued = null;
        return new Promise<void>((resolve) => {
          release = resolve;
          this.#release = resolve;
          this.#onLead(true);
        });
      })
      .catch(() => {
        // A withdrawn queued request rejects too; only a held lock that was stolen matters.
        if (!release || this.#release !== release || this.#stopped) return;
        this.#release = null;
        this.#onLead(false);
        this.#request(false);
      });
  }
}

/**
 * The fallback where Web Locks are missing, over the tabs' BroadcastChannel:
 * a tab that hears no leader claims leadership with a rank above any it has
 * seen, and leads unless a higher claim or leader shows up while it waits.
 * Two leaders can briefly coexist (a claim lost in a race); the shared
 * transport makes the lower one step down when it hears the higher.
 */
export class ChannelElection implements Election {
  readonly #tab: string;
  readonly #post: (claim: Rank) => void;
  readonly #newestTerm: () => number;
  readonly #onLead: OnLead;
  /** How long a claim waits for a higher one: a few channel round trips, less than a heartbeat. */
  readonly #settleMs: number;
  #claim: Rank | null = null;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #leading = false;

  /**
   * `post` sends this tab's claim to the others; `newestTerm` is the highest
   * term seen on the channel. A new tab listens for a leader during one and a
   * half heartbeats before it claims.
   */
  constructor(
    tab: string,
    post: (claim: Rank) => void,
    newestTerm: () => number,
    onLead: OnLead,
    heartbeatMs: number,
  ) {
    this.#tab = tab;
    this.#post = post;
    this.#newestTerm = newestTerm;
    this.#onLead = onLead;
    this.#settleMs = Math.min(200, heartbeatMs);
    this.#timer = setTimeout(() => this.takeOver(), heartbeatMs * 1.5);
  }

  takeOver(): void {
    if (this.#claim || this.#leading) return;
    clearTimeout(this.#timer);
    const claim: Rank = [this.#newestTerm() + 1, this.#tab];
    this.#claim = claim;
    this.#post(claim);
    this.#timer = setTimeout(() => {
      if (this.#claim !== claim) return;
      this.#claim = null;
      this.#leading = true;
      this.#onLead(true);
    }, this.#settleMs);
  }

  leaderLeft(): void {
    this.takeOver();
  }

  resign(): void {
    this.#leading = false;
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  heard(rank: Rank): void {
    if (this.#leading || (this.#claim && compareRanks(rank, this.#claim) < 0)) return;
    // A leader exists, or a higher claim: stop listening or claiming and follow it.
    clearTimeout(this.#timer);
    this.#claim = null;
  }
}
