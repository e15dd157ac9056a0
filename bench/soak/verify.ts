import type { Session } from './dashboard.js';
import type { Entry, Observer } from './observer.js';

export interface Tally {
  /** Logged events a dashboard should have received and did not. */
  lost: number;
  /** Events received twice. */
  duplicated: number;
  /** Events received after one that comes later in the stream. */
  reordered: number;
  /** `metrics_update` events the server skipped for a slow client (allowed: the next one supersedes it). */
  skippedMetrics: number;
  /** Ids the stream never held (in flight when Redis was killed), or sessions that could not be placed. */
  unverifiable: number;
  /** Connections that received events of two epochs (a reset must end a stream first). */
  mixedEpochs: number;
  /** Resumes answered with a fresh snapshot: within seconds of a storage reset (expected), or not. */
  resyncsAfterReset: number;
  resyncsOtherwise: number;
  /** The first few problems, described. */
  examples: string[];
}

export const emptyTally = (): Tally => ({
  lost: 0,
  duplicated: 0,
  reordered: 0,
  skippedMetrics: 0,
  unverifiable: 0,
  mixedEpochs: 0,
  resyncsAfterReset: 0,
  resyncsOtherwise: 0,
  examples: [],
});

const epochOf = (id: string) => id.split('-')[2] ?? '';
/** How long after Redis restarted empty a resync is put down to it: instances reconnect within a few seconds. */
const RESET_SETTLES_MS = 15_000;
const isBase = (id: string) => id.startsWith('0-0-');

/**
 * Checks one dashboard's sessions against the stream: each session must hold
 * exactly the logged events after the point it started from (its snapshot's
 * id, or the id it resumed from), in stream order, up to the last one it got;
 * the last session must reach `upTo` (the end of the stream once the soak has
 * gone quiet). A resumed session continues where the previous one stopped, so
 * together they cover everything but the gaps a snapshot replaced.
 */
export function verifySessions(
  name: string,
  sessions: readonly Session[],
  observer: Observer,
  resets: readonly number[],
  upTo?: Entry,
): Tally {
  const tally = emptyTally();
  const seen = new Set<string>();
  const note = (what: string) => tally.examples.length < 10 && tally.examples.push(`${name}: ${what}`);
  sessions.forEach((session, index) => {
    const where = `connection ${index + 1} (from ${session.startId}, resync ${session.resync})`;
    if (session.startId === null) return;
    if (session.resync) {
      // A client may resume just before its instance learns of the reset (a snapshot, then the
      // reconnect, then the snapshot of the new epoch): both count as caused by it.
      const afterReset = resets.some(
        (at) => session.openedAt >= at && session.openedAt - at < RESET_SETTLES_MS,
      );
      if (afterReset) tally.resyncsAfterReset++;
      else {
        tally.resyncsOtherwise++;
        note(`${where}: a resync from ${session.sentId}`);
      }
    }
    const epoch = epochOf(session.startId);
    const list = observer.epochs.get(epoch) ?? [];
    const start = isBase(session.startId) ? -1 : observer.byId.get(session.startId)?.pos;
    if (start === undefined) {
      tally.unverifiable++;
      return;
    }
    let next = start + 1;
    const missing = (until: number) => {
      for (; next < until; next++) {
        if (list[next]?.type === 'metrics_update') tally.skippedMetrics++;
        else {
          tally.lost++;
          note(`${where}: lost ${list[next]?.id} ${list[next]?.type}`);
        }
      }
    };
    for (const id of session.received) {
      const entry = observer.byId.get(id);
      if (!entry) tally.unverifiable++;
      else if (entry.epoch !== epoch) {
        tally.mixedEpochs++;
        note(`${where}: ${id} of another epoch`);
      } else if (seen.has(id)) {
        tally.duplicated++;
        note(`${where}: ${id} again`);
      } else if (entry.pos < next) {
        seen.add(id);
        tally.reordered++;
        note(`${where}: ${id} after a later event`);
      } else {
        seen.add(id);
        missing(entry.pos);
        next = entry.pos + 1;
      }
    }
    if (index === sessions.length - 1 && upTo?.epoch === epoch) missing(upTo.pos + 1);
  });
  return tally;
}

export function addTally(total: Tally, more: Tally): void {
  for (const key of Object.keys(total) as (keyof Tally)[]) {
    if (key === 'examples') total.examples.push(...more.examples.slice(0, 10 - total.examples.length));
    else total[key] += more[key];
  }
}
