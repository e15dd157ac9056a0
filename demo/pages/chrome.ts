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

export function setUpChrome(): void {
  const select = document.querySelector<HTMLSelectElement>('#theme');
  const stored = (localStorage.getItem(KEY) as Mode | null) ?? 'auto';
  applyTheme(stored);
  // Elements a framework renders later get the theme too.
  new MutationObserver(() => applyTheme(select ? (select.value as Mode) : stored)).observe(document.body, {
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
