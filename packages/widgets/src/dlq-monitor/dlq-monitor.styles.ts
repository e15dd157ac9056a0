import { css } from 'lit';

export const dlqMonitorStyles = css`
  .overall {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 6px 12px;
    padding: 12px 14px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius-sm);
    background: color-mix(in srgb, var(--_tone) 7%, var(--_raised));
    box-shadow: inset 3px 0 0 var(--_tone);
  }
  .overall .badge {
    font-size: 13px;
    padding: 2px 10px 2px 9px;
  }
  .overall-text {
    font-weight: 500;
  }
  .columns {
    display: grid;
    gap: var(--_gap);
    margin-top: var(--_gap);
  }
  /* Side by side only when each list still has room for its names. */
  @container (min-width: 880px) {
    .columns {
      grid-template-columns: 1fr 1fr;
    }
  }
  h3 {
    margin: 0 0 6px;
    color: var(--_muted);
    font-size: 12px;
    font-weight: 500;
  }
  /* Rows share the list's columns (subgrid), so numbers and badges line up while the name takes the rest. No
     gap between rows: the row window steps by a row's height. */
  ul {
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(32px, 18%) auto auto;
    max-height: var(--pulse-list-max-height, 320px);
    margin: 0;
    padding: 0;
    overflow: auto;
    list-style: none;
  }
  ul.acting {
    grid-template-columns: minmax(0, 1fr) minmax(32px, 18%) auto auto minmax(0, auto);
  }
  li {
    display: grid;
    grid-column: 1 / -1;
    grid-template-columns: subgrid;
    align-items: center;
    column-gap: 10px;
    padding: 7px 8px;
    border-radius: 6px;
  }
  li:not(.spacer):hover {
    background: var(--_surface);
  }
  .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  .meter {
    height: 6px;
    border-radius: 999px;
    background: var(--_surface);
    overflow: hidden;
  }
  .meter span {
    display: block;
    height: 100%;
    border-radius: inherit;
    background: var(--_tone);
  }
  .num {
    text-align: end;
    font-weight: 500;
  }
  .badge {
    justify-self: end;
  }
  /* Most rows are fine; only the ones that need attention should draw the eye. */
  li .badge.tone-ok {
    background: transparent;
    color: var(--_muted);
  }
  /* Narrow: each row on two lines, the name whole on the first, its meter, count and level under it. */
  @container (max-width: 420px) {
    ul {
      grid-template-columns: minmax(0, 1fr) auto auto;
    }
    li .name {
      grid-column: 1 / -1;
    }
  }
  .none {
    padding: 6px 8px;
    color: var(--_muted);
    font-size: 13px;
  }
`;
