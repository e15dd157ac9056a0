import puppeteer from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { sleep } from './lib/stats.js';

/**
 * `npx tsx bench/table-floor.ts [--tables 1] [--rows 15] [--figures 7] [--gap 113] [--seconds 8]`
 *
 * The least Chromium on this machine spends to show a push: `--tables` plain tables (no Lit, no store, no
 * stream) of `--rows` rows in view, each with `--figures` numbers that all change every `--gap` ms, their
 * text computed before the window so only the DOM writes, style, layout and paint are timed. Main-thread
 * busy is measured as the browser suite measures it (CDP TaskDuration over the window). The defaults are
 * about what a queue push writes on the bench page, counted by page-profile: ~98 DOM writes in `<queues-view>`'s
 * ~15 rows in view and ~18 in `<dlq-monitor>`, every 113 ms (the gap the server picks for 1,000 workers
 * beating every second). What a page of ours costs beyond this is ours to cut; this much no code can save.
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const tables = arg('tables', 1);
const rows = arg('rows', 15);
const figures = arg('figures', 7);
const gap = arg('gap', 113);
const seconds = arg('seconds', 8);

const browser = await puppeteer.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 1000 });
  await page.setContent('<!doctype html><meta charset="utf-8"><body></body>');
  await page.evaluate(
    (tables, rows, figures, gap) => {
      // The elements' look, in short: a shadow root per table, system-ui at 13px, tabular figures, padded cells.
      const css = `table{width:100%;border-spacing:0;font:13px system-ui;font-variant-numeric:tabular-nums}
        td{padding:8px;border-bottom:1px solid #ddd;text-align:end;white-space:nowrap}
        td:first-child{text-align:start;width:100%}`;
      const cells: Text[] = [];
      for (let t = 0; t < tables; t++) {
        const root = document.body.appendChild(document.createElement('div')).attachShadow({ mode: 'open' });
        root.innerHTML = `<style>${css}</style><table><tbody>${`<tr><td>queue</td>${'<td>0</td>'.repeat(figures)}</tr>`.repeat(rows)}</tbody></table>`;
        for (const td of root.querySelectorAll('td:not(:first-child)')) cells.push(td.firstChild as Text);
      }
      // Figures as the elements format them (grouped thousands), made up front: the window times the DOM only.
      const texts = Array.from({ length: 997 }, (_, i) => ((i * 7919) % 1_000_000).toLocaleString('en-US'));
      let push = 0;
      setInterval(() => {
        push++;
        for (let i = 0; i < cells.length; i++) cells[i]!.data = texts[(push * 31 + i) % texts.length]!;
      }, gap);
    },
    tables,
    rows,
    figures,
    gap,
  );
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  const sample = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    return { at: get('Timestamp'), task: get('TaskDuration'), layout: get('LayoutDuration') };
  };
  await sleep(1000);
  const before = await sample();
  await sleep(seconds * 1000);
  const after = await sample();
  const wall = after.at - before.at;
  const pushes = (wall * 1000) / gap;
  const perPush = (key: 'task' | 'layout') => (((after[key] - before[key]) * 1000) / pushes).toFixed(2);
  console.log(
    `${tables} table(s) of ${rows} rows × ${figures} figures, every ${gap} ms: main thread busy ${(((after.task - before.task) / wall) * 100).toFixed(1)} %, ${perPush('task')} ms a push (layout ${perPush('layout')} ms)`,
  );
} finally {
  await browser.close();
}
