import type { Permission } from '@pulseboard/protocol';
import { shareActionSets } from '../action-sets.js';
import type { Hub } from '../hub.js';
import { type EventLog, StorageUnavailableError } from '../store/types.js';
import type { StreamFilter } from './filter.js';
import { encodeFramePieces } from './frame.js';

export interface SnapshotFramesOptions {
  eventLog: Pick<EventLog, 'latestId'>;
  /** Builds the `initial_data` payloads. */
  hub: Pick<Hub, 'initialData'>;
}

/** Distinct worker filters sharing one id's snapshots before the cache starts over: a bound, not a tuning. */
const MAX_SHARED_SNAPSHOTS = 64;

/**
 * The serialized `initial_data` frames new sessions start with. Each carries
 * the id of the latest logged event read before the snapshot: events after
 * that id are in the session's live queue, and any of them already reflected
 * in the snapshot only set state again. Sessions that ask while that id is
 * still the latest share one serialized snapshot: when every dashboard
 * resyncs at once (after a restart), 1,000 workers are serialized once per
 * new event, not once per dashboard. What a shared snapshot may miss
 * (heartbeats not logged yet) comes in the next `metrics_update`, whose id is later.
 */
export class SnapshotFrames {
  readonly #options: SnapshotFramesOptions;
  /** Serialized snapshots (in pieces) by resync flag, permissions and worker filter, for the latest id only. */
  #framesAt: { id: string; frames: Map<string, Promise<Buffer[]>> } | null = null;
  /** The last snapshot could not be built (storage away aside), until one is. */
  #failing = false;

  constructor(options: SnapshotFramesOptions) {
    this.#options = options;
  }

  async frame(
    resync: boolean,
    filter: Pick<StreamFilter, 'workers' | 'workersKey'>,
    can: readonly Permission[],
  ): Promise<{ id: string; frame: Buffer[] }> {
    const id = await this.#options.eventLog.latestId();
    if (this.#framesAt?.id !== id || this.#framesAt.frames.size >= MAX_SHARED_SNAPSHOTS) {
      this.#framesAt = { id, frames: new Map() };
    }
    const { frames } = this.#framesAt;
    const key = `${resync} ${can} ${filter.workersKey}`;
    let frame = frames.get(key);
    if (!frame) {
      frame = this.#options.hub
        .initialData(resync, filter.workers)
        .then((payload) =>
          encodeFramePieces(id, 'initial_data', { ...shareActionSets(payload), can: [...can] }),
        );
      frames.set(key, frame);
      frame.then(
        () => {
          this.#failing = false;
        },
        (err: unknown) => {
          // A failed read is not kept for the next session. Storage away is /healthz's already.
          if (frames.get(key) === frame) frames.delete(key);
          if (!(err instanceof StorageUnavailableError)) this.#failing = true;
        },
      );
    }
    return { id, frame: await frame };
  }

  /** Whether new sessions get no `initial_data`: the last snapshot failed (for /healthz; the log says why). */
  get failing(): boolean {
    return this.#failing;
  }
}
