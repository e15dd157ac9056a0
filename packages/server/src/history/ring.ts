import { HISTORY_TIERS } from '@pulseboard/protocol';

/**
 * The layout every backend keeps a series in: per resolution, a ring of
 * fixed-size records, bucket `b` in slot `b % slots`. A record is the
 * bucket's number (uint32, `start / stepMs`) and one float32 per field (NaN:
 * no sample), little-endian. The number tells a current slot from one left
 * by an earlier lap or by a clock that jumped, so a ring needs no clearing and
 * a slot never written (zeros) reads as empty. The bytes are the same in
 * memory and in Redis (one string per ring, written with SETRANGE).
 */

export interface Tier {
  stepMs: number;
  slots: number;
  /** How long an unwritten ring is kept (Redis): its span and a bucket more. */
  ttlMs: number;
}

export const TIERS: readonly Tier[] = HISTORY_TIERS.map(({ stepMs, keepMs }) => ({
  stepMs,
  slots: keepMs / stepMs,
  ttlMs: keepMs + stepMs,
}));

/** Bucket numbers are stored as uint32: a clock past this (the year 3331 at 10 s) is not recorded. */
export const MAX_BUCKET = 2 ** 32 - 1;

export const recordBytes = (fields: number) => 4 + 4 * fields;

/** Writes one record at `at` of `view`: the bucket number and the first `width` of `values` (NaN: no sample). */
export function writeRecord(
  view: DataView,
  at: number,
  bucket: number,
  values: ArrayLike<number>,
  width: number,
): void {
  view.setUint32(at, bucket, true);
  for (let i = 0; i < width; i++) view.setFloat32(at + 4 + 4 * i, values[i] as number, true);
}

/** A run of consecutive slots: where it starts in the ring (bytes) and how many bytes. */
export interface Span {
  offset: number;
  length: number;
}

/** The byte spans of the ring holding buckets `[first, first + count)`, in bucket order (two when it wraps). */
export function spans(tier: Tier, fields: number, first: number, count: number): Span[] {
  const size = recordBytes(fields);
  const start = first % tier.slots;
  const head = Math.min(count, tier.slots - start);
  const out: Span[] = [{ offset: start * size, length: head * size }];
  if (count > head) out.push({ offset: 0, length: (count - head) * size });
  return out;
}

/**
 * Buckets `[first, first + count)` as one column per field, from the spans'
 * bytes in order: null where the slot holds another bucket (or nothing) or the
 * field had no sample. Each part is exactly its span's length (HistoryStore.read pads).
 */
export function decodeColumns(
  parts: readonly Uint8Array[],
  fields: number,
  first: number,
  count: number,
): (number | null)[][] {
  const size = recordBytes(fields);
  const columns = Array.from({ length: fields }, () => new Array<number | null>(count).fill(null));
  let i = 0;
  for (const part of parts) {
    const view = new DataView(part.buffer, part.byteOffset, part.byteLength);
    for (let at = 0; at + size <= part.byteLength && i < count; at += size, i++) {
      if (view.getUint32(at, true) !== first + i) continue;
      for (let f = 0; f < fields; f++) {
        const value = view.getFloat32(at + 4 + 4 * f, true);
        if (Number.isFinite(value)) (columns[f] as (number | null)[])[i] = value;
      }
    }
  }
  return columns;
}
