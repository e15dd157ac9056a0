import { css } from 'lit';

export const healthCardsStyles = css`
  .grid {
    display: grid;
    /* Never wider than the column: one card per row below the minimum. */
    grid-template-columns: repeat(auto-fill, minmax(min(var(--pulse-card-min-width, 272px), 100%), 1fr));
    gap: var(--_gap);
  }
  .grid.windowed {
    /* Rows of one height, so the rows not rendered are a multiple of it. */
    grid-auto-rows: 1fr;
  }
  .card {
    display: grid;
    grid-template-columns: minmax(0, 1fr);
    gap: 10px;
    align-content: start;
    min-width: 0;
    padding: 14px 14px 12px;
    background: var(--_raised);
    border: 1px solid var(--_border);
    border-radius: var(--_radius-sm);
    transition:
      border-color 0.2s,
      box-shadow 0.2s;
  }
  .card:hover {
    border-color: var(--_border-strong);
  }
  /* The sparkline is the accent colour (its own fallback) unless the card's status needs attention. */
  .card:is(.tone-degraded, .tone-unhealthy, .tone-offline) {
    --_spark: var(--_tone);
    box-shadow: inset 3px 0 0 var(--_tone);
  }
  .card.departed {
    animation: depart var(--pulse-depart-duration, 10s) ease-in forwards;
  }
  /* From the card's own opacity, 1. */
  @keyframes depart {
    to {
      opacity: 0.25;
    }
  }
  .card-head {
    display: flex;
    align-items: flex-start;
    justify-content: space-between;
    gap: 8px;
  }
  .names {
    flex: auto;
    min-width: 0;
  }
  .card-head .badge {
    flex: none;
  }
  .name {
    margin: 0;
    overflow: hidden;
    font-size: 14px;
    font-weight: 600;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .stats {
    display: grid;
    grid-template-columns: repeat(3, minmax(0, 1fr));
    gap: 8px;
    margin: 0;
  }
  .stats div {
    min-width: 0;
  }
  .stats dt {
    color: var(--_muted);
    font-size: 11px;
    font-weight: 500;
    letter-spacing: 0.02em;
    text-transform: uppercase;
  }
  .stats dd {
    margin: 0;
    overflow: hidden;
    font-size: 13px;
    font-weight: 500;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .message {
    margin: 0;
    overflow: hidden;
    color: var(--_muted);
    font-size: 12px;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .sparkline {
    height: 28px;
  }
  /* A narrow card wraps its name and puts the badge under it when they do not share a line. */
  @container (max-width: 420px) {
    .card-head {
      flex-wrap: wrap;
    }
    .message {
      white-space: normal;
    }
  }
  /* Two figures a row where three would cut "Last seen". */
  @container (max-width: 320px) {
    .stats {
      grid-template-columns: repeat(2, minmax(0, 1fr));
    }
  }
  .spark-empty {
    height: 28px;
    border-bottom: 1px dashed var(--_border);
  }
`;
