import { html, nothing, type TemplateResult } from 'lit';
import type { Sample } from '../store/types.js';
import { usable } from './format.js';

export interface SparklineRange {
  /** Time at the left edge (epoch ms); defaults to the first sample. */
  from?: number;
  /** Time at the right edge; defaults to the last sample. */
  to?: number;
}

export const SPARKLINE_WIDTH = 100;
export const SPARKLINE_HEIGHT = 32;
/** Keeps the stroke inside the box at the extremes. */
const PAD = 2;

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Coordinates for samples in a SPARKLINE_WIDTH x SPARKLINE_HEIGHT box: x by
 * time, y scaled between the window's min and max (a flat series sits in the
 * middle). Samples outside the range or with unusable values are skipped; a
 * lone sample becomes a short flat stroke so it is still visible. Pure, so it
 * is tested without a DOM.
 */
export function sparklineCoords(samples: readonly Sample[], range: SparklineRange = {}): [number, number][] {
  const valid = samples.filter((s) => usable(s.value) !== null && usable(s.at) !== null);
  const from = range.from ?? valid[0]?.at ?? 0;
  const to = range.to ?? valid.at(-1)?.at ?? 0;
  const visible = valid.filter((s) => s.at >= from && s.at <= to);
  if (visible.length === 0) return [];
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const s of visible) {
    min = Math.min(min, s.value);
    max = Math.max(max, s.value);
  }
  const span = to - from;
  const coords = visible.map((s): [number, number] => [
    round(span > 0 ? ((s.at - from) / span) * SPARKLINE_WIDTH : SPARKLINE_WIDTH),
    round(
      max === min
        ? SPARKLINE_HEIGHT / 2
        : SPARKLINE_HEIGHT - PAD - ((s.value - min) / (max - min)) * (SPARKLINE_HEIGHT - 2 * PAD),
    ),
  ]);
  const [only] = coords;
  if (coords.length === 1 && only) coords.unshift([round(Math.max(0, only[0] - 6)), only[1]]);
  return coords;
}

export function sparklinePoints(samples: readonly Sample[], range: SparklineRange = {}): string {
  return sparklineCoords(samples, range)
    .map(([x, y]) => `${x},${y}`)
    .join(' ');
}

/**
 * An SVG sparkline: a line and a faint area under it. Decorative
 * (`aria-hidden`): the value it trends is always printed beside it.
 */
export function sparkline(
  samples: readonly Sample[],
  range: SparklineRange = {},
): TemplateResult | typeof nothing {
  const coords = sparklineCoords(samples, range);
  const first = coords[0];
  const last = coords.at(-1);
  if (!first || !last) return nothing;
  const line = coords.map(([x, y]) => `${x},${y}`).join(' ');
  // Under a lone sample's short stroke the area would be a small filled block, not a trend.
  const area =
    last[0] - first[0] > 10 ? `${first[0]},${SPARKLINE_HEIGHT} ${line} ${last[0]},${SPARKLINE_HEIGHT}` : '';
  return html`<svg
    class="sparkline"
    part="sparkline"
    viewBox="0 0 ${SPARKLINE_WIDTH} ${SPARKLINE_HEIGHT}"
    preserveAspectRatio="none"
    aria-hidden="true"
  >
    <polygon class="sparkline-area" points=${area}></polygon>
    <polyline class="sparkline-line" points=${line} vector-effect="non-scaling-stroke"></polyline>
  </svg>`;
}
