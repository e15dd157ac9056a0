import type { ReactiveController, ReactiveControllerHost } from 'lit';

export interface HoldHost extends ReactiveControllerHost, HTMLElement {
  readonly renderRoot: HTMLElement | DocumentFragment;
  paused: boolean;
}

/** The longest the user's pointer or text selection holds a view: past it, the view catches up. */
export const HOLD_MAX_MS = 10_000;

/** The lists a pointer holds (their rows do not move under it): marked `class="hold"` by each element. */
const LIST = '.hold';

/**
 * Holds its host's updates back while the host is `paused`, or, for at most
 * HOLD_MAX_MS, while the user's pointer is over one of its lists or the user
 * has text selected in it, so nothing moves under the cursor; counts the
 * updates that wait meanwhile. Focus does not hold: a selected card would
 * freeze its grid for as long as it kept focus. `resume()` ends a hold at once;
 * the next one starts when the pointer comes back or a new selection is made.
 */
export class HoldController implements ReactiveController {
  readonly #host: HoldHost;
  /** Whether anything is on screen to hold: nothing is held before the first snapshot shows. */
  readonly #showing: () => boolean;
  /** The pointer is over a list. */
  #over = false;
  /** The pointer is over a list, or text is selected in the host. */
  #userIn = false;
  /** The current pointer or selection hold was ended (timed out or resumed) and does not count until it ends. */
  #spent = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #waiting = 0;

  constructor(host: HoldHost, showing: () => boolean) {
    this.#host = host;
    this.#showing = showing;
    host.addController(this);
    host.addEventListener('pointerover', this.#check);
    host.addEventListener('pointerleave', this.#check);
  }

  /** Whether redraws are held back now. */
  get held(): boolean {
    return (this.#host.paused || (this.#userIn && !this.#spent)) && this.#showing();
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

  /** Ends the pointer or selection hold now (the Resume button, or its time is up). */
  resume = (): void => {
    clearTimeout(this.#timer);
    this.#spent = this.#userIn;
    this.#host.requestUpdate();
  };

  hostConnected(): void {
    document.addEventListener('selectionchange', this.#check);
  }

  hostDisconnected(): void {
    document.removeEventListener('selectionchange', this.#check);
    clearTimeout(this.#timer);
  }

  /** Updates `#userIn` from the pointer (over a list) and the text selection (anywhere in the host). */
  readonly #check = (event: Event): void => {
    // Listened to only while connected, when the shadow root exists.
    const root = this.#host.renderRoot as ShadowRoot;
    // Chromium reports a selection inside a shadow root only through the root; others through the document.
    const sel = (root as unknown as Document).getSelection?.() ?? document.getSelection();
    const over =
      event.type === 'pointerover'
        ? Boolean((event.composedPath()[0] as Element).closest?.(LIST))
        : event.type === 'pointerleave'
          ? false
          : this.#over;
    this.#over = over;
    const userIn = over || Boolean(sel && !sel.isCollapsed && root.contains(sel.anchorNode));
    if (userIn === this.#userIn) return;
    this.#userIn = userIn;
    clearTimeout(this.#timer);
    this.#spent = false;
    if (userIn) this.#timer = setTimeout(this.resume, HOLD_MAX_MS);
    this.#host.requestUpdate();
  };
}
