import type { InitialDataPayload } from '@pulseboard/protocol';
import { type Filter, unionOf } from '../client/requirements.js';
import { admit } from '../transport/event-id.js';
import {
  IDLE_STATUS,
  isAnnounced,
  SseTransport,
  type Transport,
  type TransportListener,
  type TransportOptions,
  type WireEvent,
} from '../transport/transport.js';
import type { ConnectionRole, ConnectionStatus } from '../transport/types.js';
import { ChannelElection, compareRanks, type Election, LockElection, type Rank } from './election.js';

/** What the tabs of one stream say to each other. Tokens are never part of it. */
type Message =
  /** The leader is alive; its connection's status. */
  | { kind: 'beat'; rank: Rank; status: ConnectionStatus }
  /**
   * An event from the leader's connection, with its id, and its data as JSON text (a structured
   * clone of the object cost more than parsing it again). An `initial_data` goes without its data
   * (null): tens of megabytes through the browser process for a large fleet, and often no one
   * listening; the tabs that do ask for the leader's state instead.
   */
  | { kind: 'event'; rank: Rank; id: string | null; type: string; json: string | null }
  /** The leader's state for one tab that has none yet. */
  | { kind: 'snapshot'; rank: Rank; to: string; event: WireEvent }
  /** A tab joined, follows a new leader, or needs other events. */
  | { kind: 'hello'; tab: string; want: Filter; synced: boolean }
  | { kind: 'bye'; tab: string }
  /** A follower's `reconnect()`, carried out by the leader. */
  | { kind: 'reconnect' }
  /** A claim of the fallback election. */
  | { kind: 'claim'; rank: Rank };

/** What tests change; the defaults are for real tabs. */
export interface ShareSettings {
  /** How often the leader says it is alive (default 1 s). */
  heartbeatMs?: number;
  /** Silence after which a follower takes over (default 5 s; up to half again, so followers do not all try at once). */
  timeoutMs?: number;
  /** Web Locks, or null for the BroadcastChannel election (default: `navigator.locks` where present). */
  locks?: LockManager | null;
}

/**
 * A {@link Transport} shared by the tabs of one origin that show the same
 * stream: one tab, the leader, holds the only connection and relays every
 * event (with its id) and its status over a BroadcastChannel; the others feed
 * the relayed events to their client through the same exactly-once check as
 * a connection of their own. A tab that joins late asks the leader for its
 * state. When the leader leaves or freezes, another tab takes over and resumes
 * from the newest event it has seen. The leader asks the server for the
 * union of what every tab's elements need, and relays events only while
 * another tab is known (said hello, not yet bye): alone, posting every event
 * cost ~0.7 ms a push at 10,000 workers. A crashed tab never says bye, so it
 * costs relaying, never an event. A leader beats before it connects, so the
 * tabs it did not know say hello before its first event; one that kept events
 * to itself sends its state to a stranger all the same.
 */
export class SharedTransport implements Transport {
  readonly #listener: TransportListener;
  readonly #channel: string;
  readonly #snapshot: () => InitialDataPayload | null;
  readonly #heartbeatMs: number;
  readonly #timeoutMs: number;
  readonly #locks: LockManager | null;
  readonly #tab = crypto.randomUUID();
  /** This tab's wait before taking over: jittered, so one follower usually moves first. */
  readonly #patience: number;
  #options!: TransportOptions;
  #status: ConnectionStatus = IDLE_STATUS;
  /** The role last announced, so that becoming or ceasing to be the leader is announced too. */
  #announcedRole: ConnectionRole = 'follower';
  #bus: BroadcastChannel | null = null;
  #election: Election | null = null;
  #ticker: ReturnType<typeof setInterval> | undefined;
  /** The connection, while this tab leads. */
  #inner: SseTransport | null = null;
  /** The leader followed (this tab's own rank while it leads). */
  #leader: Rank | null = null;
  #newestTerm = 0;
  #heardAt = 0;
  #tickedAt = 0;
  /** Tabs this leader already sent its state to (each needs it once). */
  readonly #snapshotsSent = new Set<string>();
  /** When this tab, leading, last posted: a long silence means it was frozen and may have been replaced. */
  #postedAt = 0;
  /** Newest id delivered, and whether the state is continuous up to it (false until a snapshot). */
  #last: string | null = null;
  #synced = false;
  /** What each tab of the stream needs, this one included. */
  readonly #wants = new Map<string, Filter>();
  /** Leading, this tab kept an event to itself (no other tab known): a tab it did not know may lack it. */
  #unrelayed = false;

  /**
   * `options` are complete, as the client's are: each `configure()` replaces them all.
   * `channel` comes from {@link channelName}: tabs with the same name share one connection.
   * `snapshot` gives this tab's state as `initial_data`, for a tab that joins late (null before it has any).
   */
  constructor(
    options: TransportOptions,
    listener: TransportListener,
    channel: string,
    snapshot: () => InitialDataPayload | null,
    { heartbeatMs = 1000, timeoutMs = 5000, locks = globalThis.navigator?.locks ?? null }: ShareSettings = {},
  ) {
    this.#listener = listener;
    this.#channel = channel;
    this.#snapshot = snapshot;
    this.#heartbeatMs = heartbeatMs;
    this.#timeoutMs = timeoutMs;
    this.#locks = locks;
    this.#patience = timeoutMs * (1 + Math.random() / 2);
    this.configure(options);
  }

  /** The shared connection's status as this tab sees it (the leader's, relayed to followers). */
  get status(): ConnectionStatus {
    return this.#inner ? { ...this.#inner.status, lastEventId: this.#last } : this.#status;
  }

  /** `leader` while this tab holds the connection, else `follower`. */
  get role(): ConnectionRole {
    return this.#inner ? 'leader' : 'follower';
  }

  connect(): void {
    if (this.#bus) return;
    const bus = new BroadcastChannel(this.#channel);
    this.#bus = bus;
    bus.onmessage = (message: MessageEvent<Message>) => this.#receive(message.data);
    const onLead = (leading: boolean) => (leading ? this.#lead() : this.#stepDown());
    this.#election = this.#locks
      ? new LockElection(this.#locks, this.#channel, onLead)
      : new ChannelElection(
          this.#tab,
          (rank) => this.#post({ kind: 'claim', rank }),
          () => this.#newestTerm,
          onLead,
          this.#heartbeatMs,
        );
    this.#heardAt = Date.now();
    this.#tickedAt = Date.now();
    this.#setStatus({ ...this.#status, state: 'connecting', error: null });
    this.#hello();
    this.#ticker = setInterval(() => this.#tick(), this.#heartbeatMs);
    addEventListener('pagehide', this.#sayBye);
    addEventListener('pageshow', this.#onPageShow);
  }

  disconnect(): void {
    if (!this.#bus) return;
    this.#sayBye();
    const inner = this.#inner;
    this.#inner = null;
    inner?.disconnect();
    this.#election?.stop();
    this.#election = null;
    clearInterval(this.#ticker);
    this.#bus.close();
    this.#bus = null;
    this.#leader = null;
    // Events go on without this tab: when it comes back it needs a snapshot (or a fresh connection).
    this.#synced = false;
    removeEventListener('pagehide', this.#sayBye);
    removeEventListener('pageshow', this.#onPageShow);
    const status = inner?.status ?? this.#status;
    this.#setStatus({ ...status, state: 'closed', nextRetryAt: null, error: null });
  }

  reconnect(): void {
    if (!this.#bus) this.connect();
    else if (this.#inner) this.#inner.reconnect();
    else this.#post({ kind: 'reconnect' });
  }

  /** New options; a different filter is announced to the leader, which asks the server for the union. */
  configure(options: TransportOptions): void {
    this.#options = options;
    const want = unionOf([options]);
    const before = this.#wants.get(this.#tab);
    this.#wants.set(this.#tab, want);
    this.#reconfigure();
    if (this.#bus && JSON.stringify(before) !== JSON.stringify(want)) this.#hello();
  }

  /** The leader's connection options: this tab's, with the filter every tab needs. */
  #innerOptions(): Omit<TransportOptions, 'lastEventId'> {
    const { lastEventId: _, ...options } = this.#options;
    return { ...options, ...unionOf(this.#wants.values()) };
  }

  #reconfigure(): void {
    this.#inner?.configure(this.#innerOptions());
  }

  #lead(): void {
    if (this.#inner || !this.#bus) return;
    this.#newestTerm += 1;
    const rank: Rank = [this.#newestTerm, this.#tab];
    this.#leader = rank;
    this.#postedAt = Date.now();
    this.#snapshotsSent.clear();
    this.#unrelayed = false;
    const inner = new SseTransport(
      // Resume from the newest event this tab has seen: the events it missed are replayed, none twice.
      { ...this.#innerOptions(), lastEventId: this.#synced ? this.#last : this.#options.lastEventId },
      {
        event: (event) => {
          if (this.#inner !== inner) return;
          const { id, type } = event;
          const resync = type === 'initial_data';
          // Every tab needs this state now, those sent one before included.
          if (resync) this.#snapshotsSent.clear();
          if (this.#wants.size < 2) this.#unrelayed = true;
          else if (
            !this.#relay({
              kind: 'event',
              rank,
              id,
              type,
              json: resync ? null : (event.json ?? JSON.stringify(event.data)),
            })
          )
            return;
          this.#deliver(event);
        },
        status: () => {
          if (this.#inner !== inner) return;
          this.#beat();
          this.#setStatus(this.status);
        },
        problem: (problem) => this.#listener.problem(problem),
      },
    );
    this.#inner = inner;
    this.#beat();
    inner.connect();
  }

  #stepDown(): void {
    const inner = this.#inner;
    if (!inner) return;
    const status = this.status;
    this.#inner = null;
    inner.disconnect();
    this.#election?.resign();
    this.#heardAt = Date.now();
    this.#setStatus(status);
  }

  /**
   * Posts as the leader, unless this tab was silent for longer than followers
   * wait (frozen, or starved of timers): another tab may lead by now, and an
   * event relayed out of turn could run ahead of the new leader's and make
   * followers skip what lies between. It steps down instead.
   */
  #relay(message: Message): boolean {
    const now = Date.now();
    if (now - this.#postedAt > this.#timeoutMs) {
      this.#stepDown();
      return false;
    }
    this.#postedAt = now;
    this.#post(message);
    return true;
  }

  /** Says, as the leader, that it is alive and how its connection is. */
  #beat(): void {
    this.#relay({ kind: 'beat', rank: this.#leader!, status: this.status });
  }

  #post(message: Message): void {
    this.#bus?.postMessage(message);
  }

  #hello(): void {
    this.#post({ kind: 'hello', tab: this.#tab, want: this.#wants.get(this.#tab)!, synced: this.#synced });
  }

  #tick(): void {
    const now = Date.now();
    const late = now - this.#tickedAt > 2 * this.#heartbeatMs;
    this.#tickedAt = now;
    if (this.#inner) this.#beat();
    // A tick that comes late means this tab was frozen itself: the leader's beats may still be queued.
    else if (late) this.#heardAt = now;
    else if (now - this.#heardAt > this.#patience) {
      this.#heardAt = Date.now();
      this.#election?.takeOver();
    }
  }

  #receive(message: Message): void {
    switch (message.kind) {
      case 'beat':
        this.#heardFrom(message.rank, message.status);
        return;
      case 'event': {
        // From any leader, even a replaced one still flushing: the id check drops what was seen.
        if (this.#leader && compareRanks(message.rank, this.#leader) === 0) this.#heardAt = Date.now();
        const { id, type, json } = message;
        if (json === null) {
          // The leader's state was replaced: this tab's no longer leads up to the next event.
          this.#synced = false;
          this.#hello();
          return;
        }
        let data: unknown;
        try {
          data = JSON.parse(json);
        } catch {
          this.#listener.problem(`${type}: relayed data is not JSON; skipped`);
          return;
        }
        this.#deliver({ id, type, data });
        return;
      }
      case 'snapshot':
        // Synced too, from a leader not older than the one followed: it kept events to itself before it knew this tab.
        if (
          message.to === this.#tab &&
          (!this.#synced || !this.#leader || compareRanks(message.rank, this.#leader) >= 0)
        )
          this.#deliver(message.event);
        return;
      case 'hello': {
        const known = this.#wants.has(message.tab);
        this.#wants.set(message.tab, message.want);
        this.#reconfigure();
        if (this.#inner) {
          this.#beat();
          this.#sendSnapshot(message.tab, message.synced && (known || !this.#unrelayed));
        }
        return;
      }
      case 'bye':
        this.#wants.delete(message.tab);
        // Back from the back/forward cache it is a stranger again, and may need the state anew.
        this.#snapshotsSent.delete(message.tab);
        this.#reconfigure();
        if (!this.#inner && this.#leader?.[1] === message.tab) this.#election?.leaderLeft();
        return;
      case 'reconnect':
        this.#inner?.reconnect();
        return;
      case 'claim':
        this.#newestTerm = Math.max(this.#newestTerm, message.rank[0]);
        this.#election?.heard(message.rank);
    }
  }

  #heardFrom(rank: Rank, status: ConnectionStatus): void {
    this.#newestTerm = Math.max(this.#newestTerm, rank[0]);
    this.#election?.heard(rank);
    const order = this.#leader ? compareRanks(rank, this.#leader) : 1;
    // An older leader, not yet aware it was replaced: it will hear the new one and step down.
    if (order < 0) return;
    if (order > 0) {
      this.#stepDown();
      this.#leader = rank;
      // Tell the new leader what this tab needs, and ask for its state if this tab has none.
      this.#hello();
    }
    this.#heardAt = Date.now();
    this.#setStatus({ ...status, lastEventAt: this.#status.lastEventAt, lastEventId: this.#last });
  }

  #sendSnapshot(to: string, synced: boolean): void {
    if (synced || !this.#synced || this.#snapshotsSent.has(to)) return;
    this.#snapshotsSent.add(to);
    const data = this.#snapshot();
    if (data)
      this.#relay({
        kind: 'snapshot',
        rank: this.#leader!,
        to,
        event: { id: this.#last, type: 'initial_data', data },
      });
  }

  /** The exactly-once check of a connection, for events from this tab's connection and relayed ones alike. */
  #deliver(event: WireEvent): void {
    // Changes without the state they apply to would be wrong; a tab without it waits for a snapshot.
    const isSnapshot = event.type === 'initial_data';
    if (!this.#synced && !isSnapshot) return;
    const { deliver, advance } = admit(event.type, event.id, this.#last);
    if (!deliver) return;
    if (advance) this.#last = event.id;
    if (isSnapshot) this.#synced = true;
    if (!this.#inner) this.#status = { ...this.#status, lastEventAt: Date.now(), lastEventId: this.#last };
    this.#listener.event(event);
  }

  #setStatus(next: ConnectionStatus): void {
    const before = this.#status;
    this.#status = next;
    const roleChanged = this.role !== this.#announcedRole;
    this.#announcedRole = this.role;
    if (roleChanged || isAnnounced(before, next)) this.#listener.status(next);
  }

  /** On disconnect(), and on pagehide: closing tabs do not run disconnect(), and the others need not wait for silence. */
  #sayBye = (): void => {
    this.#post({ kind: 'bye', tab: this.#tab });
  };

  #onPageShow = (event: PageTransitionEvent): void => {
    if (event.persisted) this.#hello();
  };
}
