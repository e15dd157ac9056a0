/**
 * The demo site's top bar: marks the current page and switches the theme of
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
  const here = location.pathname.replace(/\.html$/, '').replace(/\/$/, '/index');
  for (const link of document.querySelectorAll<HTMLAnchorElement>('.topbar nav a')) {
    const target = new URL(link.href).pathname.replace(/\.html$/, '').replace(/\/$/, '/index');
    if (target === here) link.setAttribute('aria-current', 'page');
  }
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
