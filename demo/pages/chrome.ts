/**
 * The demo site's top bar (demo/pages/nav.html, put in each page with its own
 * link marked by a plugin in demo/vite.config.ts): switches the theme of
 * the page and of every Pulseboard element on it (their `theme` attribute;
 * "Auto" removes it, so they follow `prefers-color-scheme`).
 */
const TAGS = 'health-cards, system-metrics, dlq-monitor, queues-view, logs-view';
const KEY = 'pulseboard-demo-theme';

type Mode = 'auto' | 'light' | 'dark';

export function applyTheme(mode: Mode, scope: ParentNode = document): void {
  document.documentElement.dataset.theme = mode;
  for (const element of scope.querySelectorAll(TAGS)) {
    if (element.closest('[data-fixed-theme]')) continue;
    if (mode === 'auto') element.removeAttribute('theme');
    else element.setAttribute('theme', mode);
  }
}

/** The read token `npm start` gave the page (demo/demo-app.ts), for the connections a framework renders. */
function giveToken(): void {
  const token = document.querySelector<HTMLMetaElement>('meta[name="pulseboard-read-token"]')?.content;
  if (!token) return;
  for (const connection of document.querySelectorAll('sse-connection:not([token])'))
    connection.setAttribute('token', token);
}

export function setUpChrome(): void {
  const select = document.querySelector<HTMLSelectElement>('#theme');
  const stored = (localStorage.getItem(KEY) as Mode | null) ?? 'auto';
  applyTheme(stored);
  giveToken();
  // Elements a framework renders later get the theme and the token too.
  new MutationObserver(() => {
    applyTheme(select ? (select.value as Mode) : stored);
    giveToken();
  }).observe(document.body, {
    childList: true,
    subtree: true,
  });
  if (!select) return;
  select.value = stored;
  select.addEventListener('change', () => {
    const mode = select.value as Mode;
    localStorage.setItem(KEY, mode);
    applyTheme(mode);
  });
}
