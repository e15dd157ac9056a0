import { css, unsafeCSS } from 'lit';

/**
 * The themeable colours, light and dark side by side: each private `--_name`
 * reads the public `--pulse-color-name` (or the property named last), falling
 * back to the scheme's own value.
 */
const palette: readonly [name: string, light: string, dark: string, property?: string][] = [
  ['bg', '#fff', '#0e1015'],
  ['surface', '#f6f7f9', '#171a21'],
  ['raised', '#fff', '#13161c', 'color-surface-raised'],
  ['border', '#e3e6eb', '#262a33'],
  ['border-strong', '#cdd2da', '#363b47'],
  ['text', '#111827', '#e8eaef'],
  ['muted', '#5b6474', '#9aa3b2', 'color-text-muted'],
  ['accent', '#4f46e5', '#8d8cff'],
  ['focus', '#4f46e5', '#8d8cff'],
  ['healthy', '#14a05a', '#3dd68c'],
  ['degraded', '#d98200', '#f5a524'],
  ['unhealthy', '#e0383e', '#ff6166'],
  ['offline', '#8a93a3', '#7c8595'],
  ['starting', '#2f80ed', '#5ea5ff'],
  ['stopping', '#8b5cf6', '#b18cff'],
  ['shadow', '0 1px 2px rgb(16 24 40 / 0.04), 0 1px 3px rgb(16 24 40 / 0.06)', '0 1px 2px rgb(0 0 0 / 0.3)', 'shadow'],
];

/** One column of the palette as declarations. */
const scheme = (column: 1 | 2) =>
  unsafeCSS(
    palette.map((row) => `--_${row[0]}:var(--pulse-${row[3] ?? `color-${row[0]}`},${row[column]});`).join(''),
  );

const light = css`
  ${scheme(1)}
  --_tint: 12%;
  color-scheme: light;
`;

const dark = css`
  ${scheme(2)}
  --_tint: 18%;
  color-scheme: dark;
`;

/**
 * Design tokens. Every public `--pulse-*` property is read exactly once, here,
 * with a fallback, into a private `--_*` property the element styles use. A
 * page with no theme therefore still looks right, and a page that sets
 * `--pulse-color-accent` on `:root` re-themes every element.
 */
export const tokens = css`
  :host {
    ${light}
    --_font: var(--pulse-font-family, system-ui, sans-serif);
    --_mono: var(--pulse-font-mono, ui-monospace, 'SF Mono', 'Cascadia Mono', Menlo, Consolas, monospace);
    --_font-size: var(--pulse-font-size, 14px);
    --_radius: var(--pulse-radius, 12px);
    --_radius-sm: var(--pulse-radius-small, 8px);
    --_gap: var(--pulse-gap, 12px);
    --_stale-opacity: var(--pulse-stale-opacity, 0.5);
    --_warning: var(--pulse-color-warning, var(--_degraded));
    --_critical: var(--pulse-color-critical, var(--_unhealthy));
    --_ok: var(--pulse-color-ok, var(--_healthy));
  }
  :host([theme='dark']) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not([theme='light'])) {
      ${dark}
    }
  }
`;
