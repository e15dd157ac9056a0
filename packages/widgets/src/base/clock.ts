import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * One timer for every element on the page that shows relative times ("12 s
 * ago", "Reconnecting in 5 s"). Hosts join only while they need it, the timer
 * runs only while someone has joined, and a hidden tab skips the work.
 */
const hosts = new Set<ReactiveControllerHost>();
let timer: ReturnType<typeof setInterval> | undefined;

const TICK_MS = 1000;

function tick() {
  if (document.hidden) return;
  for (const host of hosts) host.requestUpdate();
}

export class TickController implements ReactiveController {
  readonly #host: ReactiveControllerHost;

  constructor(host: ReactiveControllerHost) {
    this.#host = host;
    host.addController(this);
  }

  /** Join or leave the shared timer. */
  set running(on: boolean) {
    if (on) hosts.add(this.#host);
    else hosts.delete(this.#host);
    if (hosts.size > 0) {
      timer ??= setInterval(tick, TICK_MS);
    } else {
      clearInterval(timer);
      timer = undefined;
    }
  }

  hostDisconnected(): void {
    this.running = false;
  }
}
