/** Threshold levels shared by `<dlq-monitor>` rows and its overall status. */
const LEVELS = ['ok', 'warning', 'critical'] as const;
export type Level = (typeof LEVELS)[number];

export interface Thresholds {
  warning: number;
  critical: number;
  /**
   * Fraction of a threshold the value must fall below it before the level
   * drops (0.1: a warning at 10 clears below 9). Rising is immediate.
   */
  hysteresis: number;
}

const levelRank = (level: Level): number => LEVELS.indexOf(level);

export const worstLevel = (levels: Iterable<Level>): Level =>
  LEVELS[Math.max(0, ...Array.from(levels, levelRank))]!;

/**
 * The next level for `value` given the previous one. Values that oscillate
 * around a threshold would otherwise flap between levels on every update and
 * fire an alert each time; a falling value keeps its level while inside the
 * band just below the threshold. Unusable values keep the previous level.
 */
export function nextLevel(previous: Level, value: number, thresholds: Thresholds): Level {
  if (!Number.isFinite(value) || value < 0) return previous;
  const warning = Math.max(0, thresholds.warning);
  const critical = Math.max(warning, thresholds.critical);
  const band = (threshold: number) => threshold - threshold * Math.min(Math.max(thresholds.hysteresis, 0), 1);
  const rising: Level = value >= critical ? 'critical' : value >= warning ? 'warning' : 'ok';
  if (levelRank(rising) >= levelRank(previous)) return rising;
  if (previous === 'critical' && value >= Math.max(band(critical), warning)) return 'critical';
  if (value >= band(warning)) return 'warning';
  return 'ok';
}
