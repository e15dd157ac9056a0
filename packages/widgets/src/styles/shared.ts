import { css } from 'lit';
import { tokens } from './tokens.js';

/** The frame, header, status line and small controls every element shares. */
const frame = css`
  :host {
    display: block;
    box-sizing: border-box;
    container-type: inline-size;
    font-family: var(--_font);
    font-size: var(--_font-size);
    line-height: 1.45;
    color: var(--_text);
    font-variant-numeric: tabular-nums;
    -webkit-font-smoothing: antialiased;
  }
  :host([hidden]) {
    display: none;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  .frame {
    display: flex;
    flex-direction: column;
    gap: var(--_gap);
    height: 100%;
    padding: 16px;
    background: var(--_bg);
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    box-shadow: var(--_shadow);
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 12px;
    min-height: 28px;
  }
  .title {
    min-width: 0;
    margin: 0;
    overflow-wrap: anywhere;
    font-size: 15px;
    font-weight: 600;
    letter-spacing: -0.01em;
  }
  /* The summary takes the room left and cuts itself short, so the status line wraps only when the title and it cannot share a line. */
  .summary {
    flex: 1 1 0;
    min-width: 0;
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
    color: var(--_muted);
    font-size: 13px;
  }
  .status-line {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    align-items: center;
    gap: 6px 10px;
    min-width: 0;
    margin-inline-start: auto;
    font-size: 12px;
    color: var(--_muted);
  }
  /* Whole, however long: a URL and a status are what the reader needs to fix it. */
  .error-note {
    max-width: 48ch;
    overflow-wrap: anywhere;
  }
  .connection {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 2px 8px 2px 7px;
    border: 1px solid var(--_border);
    border-radius: 999px;
    color: var(--_text);
    font-weight: 500;
    white-space: nowrap;
  }
  /* Idle and closed: the dot's own fallback, offline. */
  .connection[data-state='open'] .dot {
    --_tone: var(--_healthy);
    position: relative;
  }
  /* A halo that grows and fades. Transform and opacity only: the compositor runs it, where an
     animated box-shadow cost a main-thread style and paint every frame, forever. */
  .connection[data-state='open'] .dot::after {
    content: '';
    position: absolute;
    inset: 0;
    border-radius: 50%;
    background: var(--_tone);
    animation: live 2.4s ease-out infinite;
  }
  .connection[data-state='connecting'] .dot,
  .connection[data-state='reconnecting'] .dot {
    --_tone: var(--_degraded);
    animation: blink 1.2s ease-in-out infinite;
  }
  .connection[data-state='failed'] .dot,
  .connection[data-state='unauthorized'] .dot {
    --_tone: var(--_unhealthy);
  }
  @keyframes live {
    0% {
      opacity: 0.55;
    }
    70%,
    100% {
      opacity: 0;
      transform: scale(2.25);
    }
  }
  @keyframes blink {
    50% {
      opacity: 0.35;
    }
  }
  .toolbar {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px;
  }
  .body {
    position: relative;
    min-height: 0;
    flex: 1;
    transition: opacity 0.3s;
  }
  .body.stale {
    opacity: var(--_stale-opacity);
    filter: saturate(0.6);
  }
  .notice {
    overflow-wrap: anywhere;
    display: grid;
    justify-items: center;
    gap: 4px;
    padding: 28px 16px;
    text-align: center;
    color: var(--_muted);
    border: 1px dashed var(--_border-strong);
    border-radius: var(--_radius-sm);
  }
  .notice strong {
    color: var(--_text);
    font-weight: 600;
  }
  .notice code {
    font-family: var(--_mono);
    font-size: 12px;
  }
  .skeleton {
    display: grid;
    gap: 8px;
  }
  .skeleton span {
    height: 44px;
    border-radius: var(--_radius-sm);
    background: linear-gradient(90deg, var(--_surface) 0%, var(--_border) 50%, var(--_surface) 100%) 0 0 / 200%
      100%;
    animation: shimmer 1.4s linear infinite;
  }
  .skeleton span:nth-child(2) {
    width: 80%;
  }
  .skeleton span:nth-child(3) {
    width: 60%;
  }
  @keyframes shimmer {
    to {
      background-position: -200% 0;
    }
  }
  /* The id (or kind) under a worker's or resource's name. */
  .sub {
    display: block;
    overflow: hidden;
    color: var(--_muted);
    font-family: var(--_mono);
    font-size: 11.5px;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  /* In a narrow column (a sidebar, a phone): the summary under the title, the connection a dot whose words are
     its title and, for screen readers, its text. */
  @container (max-width: 420px) {
    .frame {
      padding: 12px;
    }
    .summary {
      flex-basis: 100%;
      order: 1;
      white-space: normal;
    }
    .connection {
      padding: 3px;
    }
    .connection .label {
      position: absolute;
      width: 1px;
      height: 1px;
      overflow: hidden;
      clip-path: inset(50%);
    }
    .error-note {
      max-width: none;
    }
    /* Names and ids wrap whole rather than cut to a few letters. */
    .name,
    .pick,
    .sub {
      white-space: normal;
      overflow-wrap: anywhere;
    }
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }
`;

/** Status dot and badge: a tone colour plus the status word. */
const status = css`
  .tone-healthy {
    --_tone: var(--_healthy);
  }
  .tone-degraded {
    --_tone: var(--_degraded);
  }
  .tone-unhealthy {
    --_tone: var(--_unhealthy);
  }
  .tone-ok {
    --_tone: var(--_ok);
  }
  .tone-warning {
    --_tone: var(--_warning);
  }
  .tone-critical {
    --_tone: var(--_critical);
  }
  .tone-offline {
    --_tone: var(--_offline);
  }
  .tone-starting {
    --_tone: var(--_starting);
  }
  .tone-stopping {
    --_tone: var(--_stopping);
  }
  .dot {
    flex: none;
    width: 8px;
    height: 8px;
    border-radius: 50%;
    background: var(--_tone, var(--_offline));
  }
  .badge {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    padding: 1px 8px 1px 7px;
    border-radius: 999px;
    background: color-mix(in srgb, var(--_tone, var(--_offline)) var(--_tint), transparent);
    color: var(--_text);
    font-size: 12px;
    font-weight: 500;
    white-space: nowrap;
  }
`;

/** Buttons, inputs and segmented controls. */
const controls = css`
  button,
  input,
  select {
    font: inherit;
    font-size: 13px;
    color: var(--_text);
  }
  button,
  select,
  input[type='search'] {
    height: 28px;
    padding: 0 10px;
    border: 1px solid var(--_border);
    border-radius: 6px;
    background: var(--_raised);
  }
  button {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    cursor: pointer;
    font-weight: 500;
    white-space: nowrap;
  }
  button:hover,
  select:hover {
    border-color: var(--_border-strong);
    background: var(--_surface);
  }
  button.primary {
    border-color: transparent;
    background: var(--_accent);
    color: var(--_on-accent);
  }
  button.primary:hover {
    background: color-mix(in srgb, var(--_accent) 85%, #000);
  }
  input[type='search'] {
    min-width: 0;
    width: 14em;
    background: var(--_surface);
  }
  input::placeholder {
    color: var(--_muted);
    opacity: 1;
  }
  :focus-visible {
    outline: 2px solid var(--_focus);
    outline-offset: 2px;
  }
  input:focus-visible {
    outline-offset: 0;
  }
  /* A toggle that is on (Follow, and the like) reads as pressed without relying on colour alone: it gains a check. */
  button.toggle[aria-pressed='true'] {
    border-color: color-mix(in srgb, var(--_accent) 45%, var(--_border));
    background: color-mix(in srgb, var(--_accent) var(--_tint), var(--_raised));
  }
  button.toggle[aria-pressed='true']::before {
    content: '\\2713';
    font-size: 11px;
  }
  .segmented {
    display: inline-flex;
    padding: 2px;
    gap: 2px;
    border: 1px solid var(--_border);
    border-radius: 8px;
    background: var(--_surface);
  }
  .segmented button {
    height: 24px;
    padding: 0 8px;
    border: 0;
    background: transparent;
    color: var(--_muted);
  }
  .segmented button[aria-pressed='true'] {
    background: var(--_raised);
    color: var(--_text);
    box-shadow: 0 1px 2px rgb(0 0 0 / 0.12);
  }
  .chip {
    height: 26px;
    padding: 0 9px;
    border-radius: 999px;
    font-size: 12px;
  }
  .chip[aria-pressed='true'] {
    border-color: var(--_tone, var(--_accent));
    background: color-mix(in srgb, var(--_tone, var(--_accent)) var(--_tint), var(--_raised));
  }
  /* The selection chip wraps a long name rather than widen the header. */
  .chip[part~='selection'] {
    height: auto;
    min-height: 26px;
    max-width: 100%;
    white-space: normal;
    overflow-wrap: anywhere;
    text-align: start;
  }
  .chip .count {
    color: var(--_muted);
  }
  .waiting {
    color: var(--_text);
    font-weight: 500;
  }
  /* Selectable rows and cards: the name is the button, the whole row takes the click. */
  [data-pick] {
    cursor: pointer;
  }
  [data-pick]:has(.pick[aria-pressed='true']) {
    outline: 2px solid var(--_accent);
    outline-offset: -2px;
    background: color-mix(in srgb, var(--_accent) var(--_tint), var(--_raised));
  }
  /* The name around a picker lets it overflow: the picker cuts its own text, and its focus ring shows whole. */
  :is(.name, td):has(> .pick) {
    overflow: visible;
  }
  .pick,
  .pick:hover {
    display: block;
    max-width: 100%;
    height: auto;
    padding: 0;
    overflow: hidden;
    border: 0;
    background: none;
    font: inherit;
    color: inherit;
    text-align: start;
    text-overflow: ellipsis;
  }
`;

const sparklineStyles = css`
  .sparkline {
    display: block;
    width: 100%;
    height: 32px;
    overflow: visible;
  }
  .sparkline-line {
    fill: none;
    stroke: var(--_spark, var(--_accent));
    stroke-width: 1.5;
    stroke-linejoin: round;
    stroke-linecap: round;
  }
  .sparkline-area {
    fill: color-mix(in srgb, var(--_spark, var(--_accent)) 14%, transparent);
    stroke: none;
  }
`;

/** Operating-system preferences: fewer animations, and the user's own colours. */
const preferences = css`
  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation-duration: 0.01ms !important;
      animation-iteration-count: 1 !important;
      transition-duration: 0.01ms !important;
    }
  }
  @media (forced-colors: active) {
    /* Borders turn CanvasText by themselves; a badge (or a log line's level) has none, and its tint is gone. */
    .badge,
    .lvl {
      border: 1px solid CanvasText;
    }
    /* Backgrounds turn Canvas: solid marks (dots, and the meters and bars of the elements) must stay visible. */
    .dot,
    .meter span,
    .stack span,
    .bar span {
      background: CanvasText;
    }
    .sparkline-line {
      stroke: CanvasText;
    }
    .sparkline-area {
      fill: none;
    }
    .body.stale {
      opacity: 1;
    }
    /* Tints and shadows are dropped in forced colours; pressed toggles must still look pressed. */
    button[aria-pressed='true'] {
      forced-color-adjust: none;
      background: Highlight;
      color: HighlightText;
    }
    :focus-visible {
      outline-color: Highlight;
    }
  }
`;

export const sharedStyles = [tokens, frame, status, controls, sparklineStyles, preferences];
