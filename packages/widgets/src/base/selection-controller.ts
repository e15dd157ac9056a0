import { html, type ReactiveControllerHost, type TemplateResult } from 'lit';
import type { SharedValue } from '../client/selection.js';
import { parseSelection, SelectEvent } from './selection.js';

export interface SelectionHost extends ReactiveControllerHost, HTMLElement {
  selection: string | null;
}

/**
 * Keeps its host's `selection` in step with the connection's shared selection,
 * and lets the user pick: a click anywhere in a row carrying `data-pick`
 * selects that row's key (or clears it when it is already selected), whatever
 * the row's markup.
 */
export class SelectionController {
  readonly #host: SelectionHost;
  #shared: SharedValue | null = null;
  #stop: (() => void) | null = null;

  constructor(host: SelectionHost) {
    this.#host = host;
    host.addEventListener('click', (e) => {
      const key = e.composedPath().find((n): n is HTMLElement => !!(n as HTMLElement).dataset?.pick)
        ?.dataset.pick;
      if (key) this.pick(host.selection === key ? null : key);
    });
  }

  /**
   * Follows `shared` (none: follows nothing). A selection the host has already
   * (set by the page) wins; otherwise the host takes the connection's.
   */
  join(shared: SharedValue | null): void {
    if (shared === this.#shared) return;
    this.#stop?.();
    this.#stop = null;
    this.#shared = shared;
    if (!shared) return;
    this.#stop = shared.observe((value) => {
      this.#host.selection = value;
    });
    if (this.#host.selection) shared.set(this.#host.selection);
    else this.#host.selection = shared.value;
  }

  /** The host's `selection` changed (set by the page or picked): every element of the connection follows. */
  changed(): void {
    this.#shared?.set(this.#host.selection);
  }

  /** The user selected `value` (`kind:id`, or null to clear): every element of the connection follows. */
  pick(value: string | null): void {
    this.#host.selection = value;
    this.#host.dispatchEvent(new SelectEvent(parseSelection(value)));
  }

  /** A row's name as the button that selects it (the keyboard's way in); the row itself carries `data-pick`. */
  picker(key: string, label: string): TemplateResult {
    return html`<button type="button" class="pick" aria-pressed=${this.#host.selection === key}>${label}</button>`;
  }
}
