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
  @container (min-width: 640px) {
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
  ul {
    display: grid;
    gap: 2px;
    max-height: var(--pulse-list-max-height, 320px);
    margin: 0;
    padding: 0;
    overflow: auto;
    list-style: none;
  }
  li {
    display: grid;
    grid-template-columns: minmax(0, 1fr) minmax(40px, 22%) 4.5em 6em;
    align-items: center;
    gap: 10px;
    padding: 6px 8px;
    border-radius: 6px;
  }
  li:hover {
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
  .id {
    margin-inline-start: 6px;
    color: var(--_muted);
    font-family: var(--_mono);
    font-size: 11.5px;
  }
  .none {
    padding: 6px 8px;
    color: var(--_muted);
    font-size: 13px;
  }
  @media (forced-colors: active) {
    .overall {
      border: 1px solid CanvasText;
    }
    .meter span {
      background: CanvasText;
    }
  }
`;
