import { css } from 'lit';

export const logsViewStyles = css`
  .toolbar select {
    max-width: min(16em, 100%);
  }
  /* A set width: sizing a menu to its widest option measures every option, 10-30 ms per layout with 1,000 workers. */
  .workers {
    width: 16em;
  }
  .toolbar input[type='search'] {
    flex: 1 1 8em;
    width: auto;
  }
  .log {
    height: var(--pulse-log-height, 360px);
    padding: 4px 0;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-sm);
    background: var(--_raised);
    font-family: var(--_mono);
    font-size: 12.5px;
    line-height: 1.5;
    overflow: auto;
    overscroll-behavior: contain;
  }
  /* One text line per row: the windowing relies on every row having the same height. */
  .line {
    display: grid;
    grid-template-columns: var(--_time, 5.6em) 4.2em minmax(6em, 18em) minmax(0, 1fr);
    gap: 10px;
    width: 100%;
    padding: 2px 12px;
    white-space: nowrap;
  }
  /* Lines older than today show their date. */
  .dated {
    --_time: 9.6em;
  }
  .line:hover {
    background: var(--_surface);
  }
  .line.level-error {
    background: color-mix(in srgb, var(--_tone) 7%, transparent);
  }
  .line.level-warn {
    background: color-mix(in srgb, var(--_tone) 6%, transparent);
  }
  time,
  .who {
    color: var(--_muted);
  }
  .who,
  .msg {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .lvl {
    align-self: start;
    justify-self: start;
    padding: 0 6px;
    border-radius: 4px;
    background: color-mix(in srgb, var(--_tone, var(--_offline)) var(--_tint), transparent);
    font-size: 11px;
    font-weight: 600;
    line-height: 18px;
    letter-spacing: 0.03em;
  }
  /* A line's level colours its badge, and the line itself when it is a warning or an error. */
  .level-debug {
    --_tone: var(--_offline);
  }
  .level-info {
    --_tone: var(--_starting);
  }
  .level-warn {
    --_tone: var(--_degraded);
  }
  .level-error {
    --_tone: var(--_unhealthy);
  }
  .kind-event .msg {
    color: var(--_muted);
    font-style: italic;
  }
  .footer {
    display: flex;
    align-items: center;
    gap: 8px;
    min-height: 28px;
    color: var(--_muted);
    font-size: 12px;
  }
  /* Narrow: time, level and worker on a line, the message under them (every row two lines, for the windowing). */
  @container (max-width: 560px) {
    .line {
      grid-template-columns: auto auto minmax(0, 1fr);
      row-gap: 0;
    }
    .msg {
      grid-column: 1 / -1;
    }
  }
  /* Narrower still (a sidebar, a phone): the worker on a line of its own too, so its name is not cut to a word. */
  @container (max-width: 420px) {
    .who {
      grid-column: 1 / -1;
    }
    .toolbar :is(select, input[type='search']) {
      flex: 1 1 100%;
      width: 100%;
      max-width: none;
    }
  }
`;
