import type { ReactiveController, ReactiveControllerHost } from 'lit';

const TICK_MS = 1000;

/**
 * Redraws its host every second while the host shows a time that moves on its
 * own ("12 s ago", "Reconnecting in 5 s"). The timer runs only while `set(true)`
 * and the host is connected; a hidden tab skips the redraws. Ticks fall on the
 * wall clock's whole seconds, so every element of a page redraws in the same
 * frame (one layout, not one per element) and their times turn over together.
 */
export class ClockController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Starts (`on`) or stops the timer. */
  set(on: boolean): void {
    if (!on) this.hostDisconnected();
    else if (this.#timer === undefined) this.#schedule();
  }

  hostDisconnected(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    this.#timer = setTimeout(
      () => {
        this.#schedule();
        if (!document.hidden) this.#host.requestUpdate();
      },
      TICK_MS - (Date.now() % TICK_MS),
    );
  }
}
