import { css } from 'lit';

/**
 * Design tokens. Every public `--pulse-*` property is read exactly once, here,
 * with a fallback, into a private `--_*` property the element styles use. A
 * page with no theme therefore still looks right, and a page that sets
 * `--pulse-color-accent` on `:root` re-themes every element.
 */
const light = css`
  --_bg: var(--pulse-color-bg, #ffffff);
  --_surface: var(--pulse-color-surface, #f6f7f9);
  --_raised: var(--pulse-color-surface-raised, #ffffff);
  --_border: var(--pulse-color-border, #e3e6eb);
  --_border-strong: var(--pulse-color-border-strong, #cdd2da);
  --_text: var(--pulse-color-text, #111827);
  --_muted: var(--pulse-color-text-muted, #5b6474);
  --_accent: var(--pulse-color-accent, #4f46e5);
  --_focus: var(--pulse-color-focus, #4f46e5);
  --_healthy: var(--pulse-color-healthy, #14a05a);
  --_degraded: var(--pulse-color-degraded, #d98200);
  --_unhealthy: var(--pulse-color-unhealthy, #e0383e);
  --_offline: var(--pulse-color-offline, #8a93a3);
  --_starting: var(--pulse-color-starting, #2f80ed);
  --_stopping: var(--pulse-color-stopping, #8b5cf6);
  --_danger: var(--pulse-color-danger, #b42318);
  --_on-danger: #fff;
  --_on-accent: #fff;
  --_shadow: var(--pulse-shadow, 0 1px 2px rgb(16 24 40 / 0.04), 0 1px 3px rgb(16 24 40 / 0.06));
  --_tint: 12%;
  color-scheme: light;
`;

const dark = css`
  --_bg: var(--pulse-color-bg, #0e1015);
  --_surface: var(--pulse-color-surface, #171a21);
  --_raised: var(--pulse-color-surface-raised, #13161c);
  --_border: var(--pulse-color-border, #262a33);
  --_border-strong: var(--pulse-color-border-strong, #363b47);
  --_text: var(--pulse-color-text, #e8eaef);
  --_muted: var(--pulse-color-text-muted, #9aa3b2);
  --_accent: var(--pulse-color-accent, #8d8cff);
  --_focus: var(--pulse-color-focus, #8d8cff);
  --_healthy: var(--pulse-color-healthy, #3dd68c);
  --_degraded: var(--pulse-color-degraded, #f5a524);
  --_unhealthy: var(--pulse-color-unhealthy, #ff6166);
  --_offline: var(--pulse-color-offline, #7c8595);
  --_starting: var(--pulse-color-starting, #5ea5ff);
  --_stopping: var(--pulse-color-stopping, #b18cff);
  --_danger: var(--pulse-color-danger, #ff7b7f);
  --_on-danger: #0e1015;
  /* The dark accent is light: white on it would not be read. */
  --_on-accent: #0e1015;
  --_shadow: var(--pulse-shadow, 0 1px 2px rgb(0 0 0 / 0.3));
  --_tint: 18%;
  color-scheme: dark;
`;

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
  /* The element sets the state from its theme, its connection's and the page's color-scheme; with none, the OS. */
  :host(:state(dark)) {
    ${dark}
  }
  @media (prefers-color-scheme: dark) {
    :host(:not(:state(light))) {
      ${dark}
    }
  }
`;
