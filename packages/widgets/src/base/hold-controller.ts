import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface HoldHost extends ReactiveControllerHost, HTMLElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
  paused: boolean;
}

/**
 * Holds its host's updates back while the host is `paused`, or while the user
 * is in one of its rows or cards (focus) or has text selected in it, so
 * nothing moves under the cursor; counts the updates that wait meanwhile.
 */
export class HoldController implements ReactiveController {
  readonly #host: HoldHost;
  /** Whether anything is on screen to hold: nothing is held before the first snapshot shows. */
  readonly #showing: () => boolean;
  /** Focus or a text selection is in a row: redrawing would move it under the user. */
  #userIn = false;
  #waiting = 0;

  constructor(host: HoldHost, showing: () => boolean) {
    this.#host = host;
    this.#showing = showing;
    host.addController(this);
    host.addEventListener('focusin', this.#check);
    host.addEventListener('focusout', this.#check);
  }

  /** Whether redraws are held back now. */
  get held(): boolean {
    return (this.#host.paused || this.#userIn) && this.#showing();
  }

  /** Updates that arrived while held. */
  get waiting(): number {
    return this.#waiting;
  }

  /** An update arrived: counted while held. */
  arrived(): void {
    if (this.held) this.#waiting++;
  }

  /** Everything waiting is shown (or thrown away, for a new client). */
  release(): void {
    this.#waiting = 0;
  }

  hostConnected(): void {
    document.addEventListener('selectionchange', this.#check);
  }

  hostDisconnected(): void {
    document.removeEventListener('selectionchange', this.#check);
  }

  /** Updates `#userIn` from focus (in a row or card) and the text selection (anywhere in the host). */
  readonly #check = (): void => {
    // Listened to only while connected, when the shadow root exists.
    const root = this.#host.renderRoot as ShadowRoot;
    // Chromium reports a selection inside a shadow root only through the root; others through the document.
    const sel = (root as unknown as Document).getSelection?.() ?? document.getSelection();
    const active = root.activeElement;
    const userIn = Boolean(
      // An action control does not hold: its outcome must show beside it.
      (active?.closest('[part~=row],[part~=card]') && !active.matches('[part~=action]')) ||
        (sel && !sel.isCollapsed && root.contains(sel.anchorNode)),
    );
    if (userIn === this.#userIn) return;
    this.#userIn = userIn;
    this.#host.requestUpdate();
  };
}
