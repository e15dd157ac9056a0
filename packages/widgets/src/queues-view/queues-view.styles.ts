import { css } from 'lit';

export const queuesViewStyles = css`
  .scroller {
    max-height: var(--pulse-table-max-height, 420px);
    overflow: auto;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-sm);
    background: var(--_raised);
    overscroll-behavior: contain;
  }
  table {
    width: 100%;
    border-spacing: 0;
    font-size: 13px;
  }
  thead th {
    position: sticky;
    top: 0;
    z-index: 1;
    padding: 0;
    background: var(--_surface);
    border-bottom: 1px solid var(--_border);
    color: var(--_muted);
    font-size: 12px;
  }
  /* The button fills its header cell: it aligns its label as the column's figures, and brings its own weight. */
  th button {
    width: 100%;
    height: 34px;
    justify-content: flex-end;
    padding: 0 8px;
    border: 0;
    border-radius: 0;
    background: transparent;
    color: inherit;
    font-size: 12px;
  }
  th:first-child button {
    justify-content: flex-start;
  }
  th button:hover {
    background: transparent;
    color: var(--_text);
  }
  th button:focus-visible {
    outline-offset: -2px;
  }
  th[aria-sort] button {
    color: var(--_text);
  }
  /* A flex item of its button, so a block with a width. */
  .arrow {
    width: 0.8em;
    color: var(--_accent);
  }
  /* Only the sorted column reserves room for its arrow, so all seven columns fit a 600px column. */
  th:not([aria-sort]) .arrow {
    display: none;
  }
  tbody tr:hover:not(.spacer) {
    background: var(--_surface);
  }
  td {
    padding: 8px;
    border-bottom: 1px solid var(--_border);
    text-align: end;
    white-space: nowrap;
  }
  tbody tr:last-of-type td {
    border-bottom: 0;
  }
  /* The name takes what the figures leave, cut with an ellipsis: the table does not scroll sideways. */
  td.queue {
    width: 100%;
    max-width: 0;
    min-width: 6ch;
    overflow: hidden;
    text-align: start;
    text-overflow: ellipsis;
    font-weight: 500;
  }
  /* The action control is taller than a line of figures: no padding keeps the rows' height. The outcome shows
     as its mark only, leaving the names their room. */
  td.acts-cell {
    padding-block: 0;
    --_act-words: 0;
  }
  .depth {
    display: inline-flex;
    align-items: center;
    gap: 8px;
  }
  .bar {
    width: 48px;
    height: 4px;
    border-radius: 999px;
    background: var(--_surface);
    overflow: hidden;
  }
  .bar span {
    display: block;
    height: 100%;
    background: var(--_accent);
  }
  .failed {
    display: inline-flex;
    align-items: center;
    gap: 6px;
  }
  .zero {
    color: var(--_muted);
  }
  .count {
    color: var(--_muted);
    font-size: 12px;
  }
  /* A narrow column (a phone too) keeps the queue, its depth, failures, rate and consumers, closer together. */
  @container (max-width: 600px) {
    th:is(:nth-child(3), :nth-child(4)),
    td:is(:nth-child(3), :nth-child(4)),
    .bar {
      display: none;
    }
    td,
    th button {
      padding-inline: 4px;
    }
  }
  /* A phone or a sidebar: the queue (wrapped, whole), its depth and failures. */
  @container (max-width: 420px) {
    th:is(:nth-child(6), :nth-child(7)),
    td:is(:nth-child(6), :nth-child(7)) {
      display: none;
    }
    td.queue {
      white-space: normal;
    }
  }
`;
