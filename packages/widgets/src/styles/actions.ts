import { css } from 'lit';

/** The action controls (a small button and the last outcome) and the confirmation dialog. */
export const actionStyles = css`
  .acts {
    display: inline-flex;
    align-items: center;
    gap: 6px;
    min-width: 0;
    max-width: 100%;
  }
  button.act {
    height: 24px;
    padding: 0 7px;
  }
  /* Its words, unless a narrow column (or a table) shows the mark only: they stay in the tooltip and for screen readers. */
  .act-state {
    max-width: 150px;
    overflow: hidden;
    color: var(--_muted);
    font-size: var(--_act-words, 12px);
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  /* The outcome's mark; its words say the same, so colour is not all there is. */
  @container (max-width: 480px) {
    .acts {
      --_act-words: 0;
    }
  }
  .act-state::before {
    font-size: 12px;
    content: '\\25cf  ';
    color: var(--_accent);
  }
  .act-state.ok::before {
    content: '\\2713  ';
    color: var(--_ok);
  }
  .act-state.error::before {
    content: '\\2715  ';
    color: var(--_danger);
  }
  dialog {
    width: min(28rem, calc(100vw - 32px));
    padding: 20px;
    border: 1px solid var(--_border);
    border-radius: var(--_radius);
    background: var(--_bg);
    color: var(--_text);
    box-shadow: 0 12px 32px rgb(0 0 0 / 0.3);
    overflow-wrap: anywhere;
  }
  dialog::backdrop {
    background: rgb(0 0 0 / 0.45);
  }
  dialog h2 {
    margin: 0 0 12px;
    font-size: 16px;
  }
  dialog p {
    white-space: pre-line;
  }
  dialog ul {
    display: grid;
    gap: 8px;
    margin: 0;
    padding: 0;
    list-style: none;
  }
  .act-field {
    display: grid;
    gap: 4px;
    margin: 12px 0;
  }
  .act-field :is(input:not([type='checkbox']), select) {
    height: 30px;
    padding: 0 8px;
    border: 1px solid var(--_border-strong);
    border-radius: 6px;
    background: var(--_surface);
  }
  .act-danger,
  .act-error {
    color: var(--_danger);
    font-weight: 500;
  }
  .act-buttons {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
  }
  button.danger {
    border-color: transparent;
    background: var(--_danger);
    color: var(--_on-danger);
  }
`;
