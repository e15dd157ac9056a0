import { css } from 'lit';

export const systemMetricsStyles = css`
  .tiles {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(min(var(--pulse-tile-min-width, 180px), 100%), 1fr));
    gap: var(--_gap);
  }
  .tile {
    display: grid;
    grid-template-rows: auto auto 1fr auto;
    gap: 2px;
    min-width: 0;
    padding: 14px 14px 10px;
    background: var(--_raised);
    border: 1px solid var(--_border);
    border-radius: var(--_radius-sm);
  }
  .label {
    margin: 0;
    color: var(--_muted);
    font-size: 12px;
    font-weight: 500;
  }
  .value {
    margin: 0;
    font-size: 24px;
    font-weight: 600;
    letter-spacing: -0.02em;
    line-height: 1.2;
    white-space: nowrap;
  }
  .value small {
    margin-inline-start: 2px;
    color: var(--_muted);
    font-size: 13px;
    font-weight: 500;
    letter-spacing: 0;
  }
  .detail {
    margin: 0;
    color: var(--_muted);
    font-size: 12px;
  }
  .sparkline {
    height: 36px;
    margin-top: 8px;
  }
  .stack {
    display: flex;
    height: 8px;
    margin-top: 14px;
    overflow: hidden;
    border-radius: 999px;
    background: var(--_surface);
    gap: 2px;
  }
  .stack span {
    background: var(--_tone);
  }
  .legend {
    display: flex;
    flex-wrap: wrap;
    gap: 2px 10px;
    margin: 8px 0 0;
    padding: 0;
    color: var(--_muted);
    font-size: 12px;
  }
  /* Flex boxes, not list items: no markers. */
  .legend li {
    display: inline-flex;
    align-items: center;
    gap: 5px;
  }
`;
