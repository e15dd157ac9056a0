import { css } from 'lit';

/**
 * The dead-letter dialog (dead-letter-panel.ts): a list of fixed-height rows, then the open entry. Its border,
 * colours and `overflow-wrap: anywhere` (inherited by the text inside) come from actionStyles' `dialog` rule,
 * which <dlq-monitor> always has before these.
 */
export const deadLetterPanelStyles = css`
  .dl {
    width: min(960px, calc(100vw - 32px));
    max-height: calc(100vh - 48px);
    padding: 0;
    box-shadow: 0 12px 40px rgb(0 0 0 / 0.25);
  }
  .dl[open] {
    display: flex;
    flex-direction: column;
  }
  .dl::backdrop {
    background: rgb(0 0 0 / 0.4);
  }
  .dl-head {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 8px 12px;
    padding: 12px 16px;
    border-bottom: 1px solid var(--_border);
  }
  .dl-head h2 {
    margin: 0;
    font-size: 15px;
  }
  .dl-count {
    flex: 1;
    color: var(--_muted);
    font-size: 13px;
  }
  .dl-state {
    margin: 0;
    padding: 12px 16px;
    color: var(--_muted);
  }
  .dl-list {
    flex: 1 1 auto;
    min-height: 96px;
    max-height: 50vh;
    overflow: auto;
  }
  /* An open entry gets the room: the list keeps a few rows above it. */
  .with-entry .dl-list {
    max-height: 25vh;
  }
  .dl-row {
    display: grid;
    grid-template-columns: 11em minmax(6em, 14em) minmax(0, 1fr) auto;
    gap: 12px;
    align-items: center;
    height: 32px;
    padding: 0 16px;
    cursor: pointer;
    white-space: nowrap;
    font-size: 13px;
  }
  .dl-row > span {
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .dl-row:hover {
    background: var(--_surface);
  }
  .dl-row[aria-selected='true'] {
    background: color-mix(in srgb, var(--_accent) var(--_tint), transparent);
  }
  .dl-time,
  .dl-att {
    color: var(--_muted);
  }
  .dl-detail {
    flex: 0 1 auto;
    overflow: auto;
    padding: 12px 16px 16px;
    border-top: 1px solid var(--_border);
  }
  .dl-detail h3 {
    margin: 0 0 8px;
    color: var(--_text);
    font-weight: 600;
    padding-left: 8px;
    border-left: 3px solid var(--_unhealthy);
    font-size: 14px;
  }
  .dl-detail h4 {
    display: flex;
    align-items: center;
    gap: 8px;
    margin: 12px 0 6px;
    font-size: 12px;
    color: var(--_muted);
  }
  .dl-detail dl {
    display: grid;
    grid-template-columns: auto minmax(0, 1fr);
    gap: 2px 12px;
    margin: 0;
    font-size: 13px;
  }
  .dl-detail dt {
    color: var(--_muted);
  }
  .dl-detail dd {
    margin: 0;
  }
  .dl-detail pre {
    margin: 0;
    padding: 8px 10px;
    border-radius: var(--_radius-sm);
    background: var(--_surface);
    font: 12px/1.45 var(--_mono);
    white-space: pre-wrap;
    max-height: 16em;
    overflow: auto;
  }
  .dl-actions {
    margin-top: 12px;
  }
  .dl-note {
    font-weight: 400;
  }
`;
