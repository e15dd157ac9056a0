/**
 * Display formatters shared by every element. Pure functions: data from the
 * wire may be missing, NaN or negative, and each formatter answers with an
 * em dash rather than a misleading number.
 */

export const DASH = '—';

/** Longest name, id or queue shown; the server allows 200 characters, a card has room for fewer. */
export const NAME_MAX = 120;

/** Human order for names: "worker-2" before "worker-10", case ignored. */
export const compareNames = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' }).compare;

/** A finite, non-negative number, or null when the value is unusable for display. */
export function usable(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 });

/** 1,234 below a million, then 1.2M: table columns stay narrow without hiding scale. */
export function formatCount(value: unknown): string {
  const n = usable(value);
  if (n === null) return DASH;
  return n < 1_000_000 ? integer.format(n) : compact.format(n);
}

/** Rates and small measures: one decimal below 100, whole numbers above. */
export function formatNumber(value: unknown): string {
  const n = usable(value);
  if (n === null) return DASH;
  if (n >= 1_000_000) return compact.format(n);
  return n < 100 ? oneDecimal.format(n) : integer.format(n);
}

/** "1 queue", "1,234 queues": a count and a noun that takes a plain -s plural. */
export function formatCountOf(value: number, noun: string): string {
  return `${formatCount(value)} ${noun}${value === 1 ? '' : 's'}`;
}

export function formatPercent(value: unknown): string {
  const n = usable(value);
  return n === null ? DASH : `${formatNumber(n)}%`;
}

/** A 0..1 ratio as a percentage with enough precision to show small error rates. */
export function formatRatio(value: unknown): string {
  const n = usable(value);
  if (n === null) return DASH;
  const pct = n * 100;
  return `${pct > 0 && pct < 0.1 ? '<0.1' : oneDecimal.format(pct)}%`;
}

export function formatMs(value: unknown): string {
  const n = usable(value);
  if (n === null) return DASH;
  return n < 1000 ? `${formatNumber(n)} ms` : `${oneDecimal.format(n / 1000)} s`;
}

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(value: unknown): string {
  let n = usable(value);
  if (n === null) return DASH;
  let unit = 0;
  while (n >= 1024 && unit < BYTE_UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${unit === 0 ? integer.format(n) : oneDecimal.format(n)} ${BYTE_UNITS[unit]}`;
}

/** Two most significant units: "3 d 4 h", "2 h 5 min", "42 s". */
export function formatDuration(seconds: unknown): string {
  const s = usable(seconds);
  if (s === null) return DASH;
  const whole = Math.floor(s);
  const d = Math.floor(whole / 86_400);
  const h = Math.floor((whole % 86_400) / 3600);
  const m = Math.floor((whole % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${whole} s`;
}

/** "12 s ago"; clock skew between server and browser never shows a future time. */
export function formatAgo(at: unknown, now: number): string {
  const t = usable(at);
  if (t === null) return DASH;
  const seconds = Math.max(0, (now - t) / 1000);
  return seconds < 1 ? 'just now' : `${formatDuration(seconds)} ago`;
}

// en-GB's medium time style is hh:mm:ss on a 24-hour clock.
const clock = new Intl.DateTimeFormat('en-GB', { timeStyle: 'medium' });

/** The latest time a Date holds (8.64e15 ms); past it, formatting one throws a RangeError. */
const MAX_DATE_MS = 8.64e15;

/** A time that can be shown as a date (epoch ms), or null. */
const dateTime = (at: unknown): number | null => {
  const t = usable(at);
  return t !== null && t <= MAX_DATE_MS ? t : null;
};

/** hh:mm:ss in the viewer's time zone. */
export function formatClock(at: unknown): string {
  const t = dateTime(at);
  return t === null ? DASH : clock.format(t);
}

const day = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short' });

/** Whether `at` is of `now`'s day in the viewer's time zone (an unusable time is: it shows no date). */
export function sameDay(at: unknown, now: number): boolean {
  const t = dateTime(at);
  return t === null || new Date(t).toDateString() === new Date(now).toDateString();
}

/** hh:mm:ss for a time of `now`'s day, "4 Dec hh:mm:ss" for one of another day. */
export const formatStamp = (at: unknown, now: number): string =>
  sameDay(at, now) ? formatClock(at) : `${day.format(at as number)} ${formatClock(at)}`;

/**
 * Cuts a string for display. A worker may send an 8 KiB log line or a 1 MB
 * string may slip through: laying that out costs more than it tells anyone.
 */
export function truncate(text: unknown, max: number): string {
  const s = String(text ?? '');
  if (s.length <= max) return s;
  return `${s.slice(0, max)}… (${integer.format(s.length - max)} more characters)`;
}
