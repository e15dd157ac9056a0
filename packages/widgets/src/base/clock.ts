import type { ReactiveControllerHost } from 'lit';

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

/** Joins (`on`) or leaves the shared timer, which redraws `host` every second while joined. */
export function setTicking(host: ReactiveControllerHost, on: boolean): void {
  if (on) hosts.add(host);
  else hosts.delete(host);
  if (hosts.size > 0) {
    timer ??= setInterval(tick, TICK_MS);
  } else {
    clearInterval(timer);
    timer = undefined;
  }
}
