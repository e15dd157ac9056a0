import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { originalPositionFor, TraceMap } from '@jridgewell/trace-mapping';
import puppeteer from 'puppeteer-core';
import { chromiumArgs, chromiumPath } from '../scripts/chromium.mjs';
import { spawnChild, stopAll } from './lib/procs.js';
import { sleep } from './lib/stats.js';
import { startServer } from './lib/targets.js';
import { ALL_TAGS, bundlePath, openPage, staticServer } from './suites/browser.js';

/**
 * `npx tsx bench/page-profile.ts [--gap 50] [--workers 1000] [--interval 1000] [--seconds 10] [--synthetic]
 *  [--tags a,b] [--inject 'tag|css'] [--trace] [--longest] [--breakdown] [--offline 20 --stale 6000]
 *  [--out file.cpuprofile]`
 *
 * A CPU profile of the bench page (all five elements, or `--tags`; the script-tag bundle) while the fleet
 * beats as the browser suite drives it, with the server at a given push gap (`--synthetic`: see below).
 * Prints the events the page received by type, each element's updates and DOM writes, main-thread busy (CDP
 * TaskDuration: wall time, stretched by a loaded machine), the renderer main thread's CPU time (not
 * stretched), each per `queues_update`, and the top functions by self and total time, mapped through the
 * bundle's source map. `--trace` adds 3 s of Chromium's timeline (layouts: how many objects each one
 * walked); `--inject` adds a stylesheet to elements' shadow roots, for layout experiments. `--longest`
 * traces the whole window too and names what each task over 50 ms did: the timeline's events by self
 * time, the events the page received in it, and the functions sampled in it. `--breakdown` traces the window
 * and prints its main-thread time by timeline event (layout, paint, script…), per push.
 * `--offline N` registers N workers that never beat again; with `--stale` (the server's `staleAfterMs`, 1 h
 * by default) short enough, they go offline inside the window, as the browser suite's end-to-end workers do.
 */
const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const out = process.argv.includes('--out') ? process.argv[process.argv.indexOf('--out') + 1] : undefined;
const gap = arg('gap', 50);
const fleetSize = arg('workers', 1000);
const intervalMs = arg('interval', 1000);
const seconds = arg('seconds', 10);
/** With --synthetic: how many queues each push carries, figures moved (the others keep theirs); all by default. */
const changed = arg('changed', Number.POSITIVE_INFINITY);
const tags = process.argv.includes('--tags') ? process.argv[process.argv.indexOf('--tags') + 1]! : ALL_TAGS;

/** CPU time (ms) of the main thread of each renderer of this browser, by pid: load on the machine stretches wall time, not this. */
function rendererCpu(browserPid: number): Map<string, number> {
  const out = new Map<string, number>();
  const stats = new Map<string, string[]>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      stats.set(pid, stat.slice(stat.lastIndexOf(')') + 2).split(' '));
    } catch {}
  }
  const ours = new Set([String(browserPid)]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, f] of stats)
      if (!ours.has(pid) && ours.has(f[1]!)) {
        ours.add(pid);
        grew = true;
      }
  }
  for (const pid of ours) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      // The main thread is the thread whose id is the process id; utime and stime in clock ticks (100 a second).
      const t = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
      const f = t.slice(t.lastIndexOf(')') + 2).split(' ');
      out.set(pid, (Number(f[11]) + Number(f[12])) * 10);
    } catch {}
  }
  return out;
}

const workers = [spawnChild('load/workers.ts'), spawnChild('load/workers.ts')];
const site = await staticServer();
// --synthetic: no heartbeats; the page is fed queues_update events of its own queues, their figures moved, every
// `gap` ms through the tab-sharing channel (as a leader tab would relay them): the same work per push whatever the
// machine's load, since neither the server nor the load processes set the pace.
const synthetic = process.argv.includes('--synthetic');
const server = await startServer('pulseboard', {
  // Nobody goes offline: registering 10,000 workers here takes longer than `staleAfterMs`, and their first beats
  // would bring thousands back from offline at once, a storm (the storm suite's) rather than the steady state.
  pulseboardConfig: { maxWorkers: 20_000, pushGapMs: gap, staleAfterMs: arg('stale', 3_600_000) },
});
const browser = await puppeteer.launch({ executablePath: chromiumPath, headless: true, args: chromiumArgs });
try {
  await Promise.all(workers.map((w) => w.ready));
  await Promise.all(workers.map((w) => w.call('target', { url: server.url })));
  const ids = Array.from({ length: fleetSize }, (_, i) => `w-${i}`);
  const halves = [ids.slice(0, fleetSize / 2), ids.slice(fleetSize / 2)];
  const registering = performance.now();
  await Promise.all(
    workers.map((w, i) => w.call('register', { ids: halves[i], offset: i * halves[0]!.length }, 300_000)),
  );
  // --offline N: N more workers that never beat again, so they go offline (after --stale ms) in the window.
  const offline = arg('offline', 0);
  if (offline)
    await workers[0]!.call('register', { ids: Array.from({ length: offline }, (_, i) => `off-${i}`) });
  console.log(
    `registered ${fleetSize} workers in ${((performance.now() - registering) / 1000).toFixed(1)} s`,
  );
  if (synthetic)
    browser.on('targetcreated', async (t) => {
      const p = await t.page();
      // Names the tab-sharing channels the page opens, so the feed can post on them.
      await p?.evaluateOnNewDocument(() => {
        const Native = BroadcastChannel;
        const names: string[] = [];
        (window as unknown as { __channels: string[] }).__channels = names;
        window.BroadcastChannel = class extends Native {
          constructor(name: string) {
            super(name);
            names.push(name);
          }
        };
      });
    });
  const page = await openPage(browser, site.origin, {
    src: `${server.url}/events`,
    tags,
    workers: fleetSize,
  });
  // --inject 'tag|css': an extra stylesheet in each such element's shadow root (layout experiments).
  for (let i = process.argv.indexOf('--inject'); i !== -1; i = process.argv.indexOf('--inject', i + 1)) {
    const [tag, css] = process.argv[i + 1]!.split('|') as [string, string];
    await page.evaluate(
      (t, c) => {
        for (const el of document.querySelectorAll(t)) {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(c);
          el.shadowRoot!.adoptedStyleSheets = [...el.shadowRoot!.adoptedStyleSheets, sheet];
        }
      },
      tag,
      css,
    );
  }
  const steady = synthetic
    ? page.evaluate(
        (gapMs, count, moved) => {
          const w = window as unknown as {
            __channels: string[];
            __feed: ReturnType<typeof setInterval>;
          };
          const conn = document.querySelector('sse-connection') as unknown as {
            client: { data: { queues: Record<string, unknown>[] } };
          };
          const bus = new BroadcastChannel(w.__channels.at(-1)!);
          const queues = conn.client.data.queues;
          // Each push: `moved` queues' figures moved (every queue's, as 1,000 workers beating once a second move them).
          const payloads = Array.from({ length: 64 }, (_, k) =>
            JSON.stringify({
              at: Date.now(),
              queues: queues.slice(0, moved).map((q, i) => ({
                ...q,
                depth: (k * 37 + i * 11) % 997,
                inFlight: (k + i) % 16,
                processed: 100_000 + k * 20 + i,
                failed: (k + i) % 100,
                deadLetter: (k * 7 + i) % 20,
                ratePerSec: (k * 17 + i) % 300,
              })),
            }),
          );
          let k = 0;
          w.__feed = setInterval(() => {
            if (k >= count) return clearInterval(w.__feed);
            bus.postMessage({
              kind: 'event',
              rank: [0, 'feed'],
              id: null,
              type: 'queues_update',
              json: payloads[k++ % 64],
            });
          }, gapMs);
        },
        gap,
        // Through the warm-up second and the trace's 3 s too.
        Math.ceil(((seconds + (process.argv.includes('--trace') ? 5 : 2)) * 1000) / gap),
        Math.min(changed, 1_000_000),
      )
    : Promise.all(
        workers.map((w, i) =>
          w.call(
            'steady',
            { ids: halves[i], intervalMs, durationMs: (seconds + 6) * 1000 },
            (seconds + 120) * 1000,
          ),
        ),
      );
  await sleep(1000);
  await page.evaluate(() => {
    const w = window as unknown as { __counts: Record<string, number> };
    w.__counts = {};
    const client = (
      document.querySelector('sse-connection') as unknown as {
        client: { subscribe(t: string, f: (data: unknown) => void): void };
      }
    ).client;
    const w2 = window as unknown as { __updates: Record<string, [number, number]> };
    w2.__updates = {};
    for (const el of document.querySelectorAll('sse-connection > *')) {
      // DOM writes per element: how much of a layout's dirty set the element's own changes explain.
      const writes = `${el.localName} DOM writes`;
      new MutationObserver((records) => {
        const u = w2.__updates[writes] ?? [0, 0];
        w2.__updates[writes] = u;
        u[0] += records.length;
      }).observe(el.shadowRoot!, { subtree: true, childList: true, characterData: true, attributes: true });
      const e = el as unknown as { update(c: unknown): void };
      const update = e.update.bind(e);
      e.update = (c: unknown) => {
        const t0 = performance.now();
        update(c);
        const u = w2.__updates[el.localName] ?? [0, 0];
        w2.__updates[el.localName] = u;
        u[0]++;
        u[1] += performance.now() - t0;
        // On the timeline too (--longest): which element's update a long task ran.
        performance.measure(`${el.localName} update`, { start: t0 });
      };
    }
    for (const t of [
      'queues_update',
      'metrics_update',
      'worker_status_update',
      'worker_status_change',
      'dashboard_update',
      'log',
    ])
      client.subscribe(t, (e: unknown) => {
        // Status changes by their new status: a fleet coming back from offline is a storm, not a steady state.
        const to = (e as { to?: string } | null)?.to;
        const k = to ? `${t} → ${to}` : t;
        w.__counts[k] = (w.__counts[k] ?? 0) + 1;
        performance.mark(k);
      });
  });
  const cdp = await page.createCDPSession();
  await cdp.send('Performance.enable');
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n: string) => metrics.find((m) => m.name === n)?.value ?? 0;
    return {
      task: get('TaskDuration'),
      script: get('ScriptDuration'),
      layout: get('LayoutDuration'),
      style: get('RecalcStyleDuration'),
      layouts: get('LayoutCount'),
      styles: get('RecalcStyleCount'),
      at: get('Timestamp'),
    };
  };
  if (process.argv.includes('--trace')) {
    // Layout and style events for 3 s: how much of the document each one walked.
    const events: { name: string; dur?: number; args?: Record<string, Record<string, unknown>> }[] = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...(e.value as typeof events)));
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.start', {
      categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
      transferMode: 'ReportEvents',
    });
    await sleep(3000);
    await cdp.send('Tracing.end');
    await done;
    const by = new Map<string, { n: number; ms: number; dirty: number; total: number }>();
    for (const e of events) {
      if (!['Layout', 'UpdateLayoutTree', 'PrePaint', 'Paint'].includes(e.name) || e.dur === undefined)
        continue;
      const b = by.get(e.name) ?? { n: 0, ms: 0, dirty: 0, total: 0 };
      b.n++;
      b.ms += e.dur / 1000;
      if (e.name === 'Layout') {
        b.dirty += Number(e.args?.beginData?.dirtyObjects ?? 0);
        b.total += Number(e.args?.beginData?.totalObjects ?? 0);
      }
      if (e.name === 'UpdateLayoutTree') b.dirty += Number(e.args?.elementCount ?? 0);
      by.set(e.name, b);
    }
    const lays = events.filter((e) => e.name === 'Layout' && e.dur !== undefined);
    console.log('partial', lays.filter((e) => e.args?.beginData?.partialLayout).length, 'of', lays.length);
    for (const e of lays.slice(0, 2)) console.log(JSON.stringify(e.args).slice(0, 900), e.dur);
    for (const [name, b] of by)
      console.log(
        `trace ${name}: ${b.n}, ${b.ms.toFixed(0)} ms, dirty/elements ${(b.dirty / b.n).toFixed(0)}, total ${(b.total / b.n).toFixed(0)}`,
      );
  }
  const longest = process.argv.includes('--longest') || process.argv.includes('--breakdown');
  const timeline: TraceEvent[] = [];
  if (longest) {
    cdp.on('Tracing.dataCollected', (e) => timeline.push(...(e.value as TraceEvent[])));
    await cdp.send('Tracing.start', {
      categories:
        'toplevel,devtools.timeline,disabled-by-default-devtools.timeline,v8.execute,blink.user_timing',
      transferMode: 'ReportEvents',
    });
  }
  const cpuBefore = rendererCpu(browser.process()!.pid!);
  const before = await metric();
  await cdp.send('Profiler.start');
  await sleep(seconds * 1000);
  const { profile } = await cdp.send('Profiler.stop');
  if (longest) {
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));
    await cdp.send('Tracing.end');
    await done;
  }
  const after = await metric();
  const cpuAfter = rendererCpu(browser.process()!.pid!);
  const cpuMs = Math.max(0, ...[...cpuAfter].map(([pid, ms]) => ms - (cpuBefore.get(pid) ?? 0)));
  const counts = await page.evaluate(
    () => (window as unknown as { __counts: Record<string, number> }).__counts,
  );
  const updates = await page.evaluate(
    () => (window as unknown as { __updates: Record<string, [number, number]> }).__updates,
  );
  await steady;
  if (out) writeFileSync(out, JSON.stringify(profile));

  const span = after.at - before.at;
  const pct = (k: 'task' | 'script' | 'layout' | 'style') => ((after[k] - before[k]) / span) * 100;
  console.log(`gap ${gap} ms, ${fleetSize} workers every ${intervalMs} ms, ${span.toFixed(1)} s`);
  console.log(
    `busy ${pct('task').toFixed(1)} % (script ${pct('script').toFixed(1)}, layout ${pct('layout').toFixed(1)}, style ${pct('style').toFixed(1)})`,
  );
  console.log('events', JSON.stringify(counts));
  console.log(`layouts ${after.layouts - before.layouts}, style recalcs ${after.styles - before.styles}`);
  for (const [tag, [n, ms]] of Object.entries(updates))
    console.log(
      tag.endsWith('writes')
        ? `  ${tag}: ${n}`
        : `  ${tag}: ${n} updates, ${ms.toFixed(0)} ms (lit update: render + commit)`,
    );
  const q = counts.queues_update ?? 0;
  console.log(
    `renderer main thread CPU: ${cpuMs.toFixed(0)} ms (${((cpuMs / 1000 / span) * 100).toFixed(1)} %)${q ? `, ${(cpuMs / q).toFixed(2)} ms per queues_update` : ''}`,
  );
  if (q)
    console.log(
      `busy ms per queues_update (all work / count): ${(((after.task - before.task) * 1000) / q).toFixed(2)}`,
    );

  // Self and total time per function, mapped through the bundle's source map.
  const map = new TraceMap(readFileSync(`${bundlePath}.map`, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (id: number): string => {
    const { callFrame: f } = nodes.get(id)!;
    if (f.url.endsWith('/pulseboard.js')) {
      const p = originalPositionFor(map, { line: f.lineNumber + 1, column: f.columnNumber });
      const src = (p.source ?? '?').replace(/^.*node_modules\//, '').replace(/^.*\/src\//, '');
      return `${p.name ?? f.functionName ?? '(anon)'} ${src}:${p.line}`;
    }
    return `${f.functionName || '(anon)'}${f.url ? ` ${f.url.split('/').pop()}` : ''}`;
  };
  if (longest) longTasks(timeline, profile, label);
  if (process.argv.includes('--breakdown')) breakdown(timeline, q);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const times = profile.timeDeltas ?? [];
  let sum = 0;
  profile.samples?.forEach((id, i) => {
    const dt = (times[i + 1] ?? 0) / 1000;
    const l = label(id);
    if (l.startsWith('(idle)') || l.startsWith('(program)')) return;
    sum += dt;
    self.set(l, (self.get(l) ?? 0) + dt);
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const ln = label(n);
      if (seen.has(ln)) continue;
      seen.add(ln);
      total.set(ln, (total.get(ln) ?? 0) + dt);
    }
  });
  const top = (m: Map<string, number>, k: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(
        ([l, ms]) =>
          `  ${ms.toFixed(1).padStart(8)} ms  ${(q ? ms / q : 0).toFixed(3).padStart(7)}/push  ${l}`,
      )
      .join('\n');
  console.log(`JS samples (not idle/program): ${sum.toFixed(0)} ms`);
  console.log(`top self:\n${top(self, 30)}`);
  console.log(`top total:\n${top(total, 45)}`);
} finally {
  await browser.close().catch(() => {});
  site.close();
  await stopAll([...workers, server.child]);
}

interface TraceEvent {
  name: string;
  cat?: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: Record<string, Record<string, unknown> | string | undefined>;
}
type Profile = { nodes: { id: number }[]; samples?: number[]; timeDeltas?: number[]; startTime: number };

/** µs by event name, each event's time less its nested events' (`events` in order, as `mainThread` gives them). */
function selfTimes(events: TraceEvent[]): Map<string, number> {
  const stack: TraceEvent[] = [];
  const own = new Map<string, number>();
  for (const e of events) {
    while (stack.length && stack.at(-1)!.ts + stack.at(-1)!.dur! <= e.ts) stack.pop();
    const parent = stack.at(-1);
    if (parent) own.set(parent.name, (own.get(parent.name) ?? 0) - e.dur!);
    own.set(e.name, (own.get(e.name) ?? 0) + e.dur!);
    stack.push(e);
  }
  return own;
}

/** The page's main thread's complete events, in order: the renderer thread with the most task time. */
function mainThread(events: TraceEvent[]): TraceEvent[] {
  const threads = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const key = `${e.pid}:${e.tid}`;
    const list = threads.get(key) ?? [];
    list.push(e);
    threads.set(key, list);
  }
  const busy = (list: TraceEvent[]) =>
    list.filter((e) => e.name === 'RunTask').reduce((t, e) => t + (e.dur ?? 0), 0);
  const main = [...threads.values()].sort((a, b) => busy(b) - busy(a))[0] ?? [];
  return main.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
}

/**
 * Each task over 50 ms on the page's main thread (the renderer thread with the most task time): its length,
 * its timeline events by self time (a nested event's time is its own, not its parent's), the SSE events the
 * page dispatched in it, and the JS functions sampled in it by self time. Trace and profile timestamps share
 * one clock (µs).
 */
function longTasks(events: TraceEvent[], profile: Profile, label: (id: number) => string): void {
  // User timing: the page's marks (events received) and measures (element updates, begin and end apart).
  const marks: TraceEvent[] = [];
  const begun = new Map<string, TraceEvent>();
  for (const e of events) {
    if (e.ph === 'R' || e.ph === 'I' || e.ph === 'n') marks.push(e);
    const key = `${e.name}:${(e as { id?: string }).id ?? (e as { id2?: { local?: string } }).id2?.local}`;
    if (e.ph === 'b') begun.set(key, e);
    if (e.ph === 'e' && begun.has(key)) {
      const b = begun.get(key)!;
      marks.push({ ...b, ph: 'M', dur: e.ts - b.ts });
    }
  }
  const main = mainThread(events);
  const sampleTimes: number[] = [];
  let t = profile.startTime;
  for (const dt of profile.timeDeltas ?? []) {
    t += dt;
    sampleTimes.push(t);
  }
  const tasks = main.filter((e) => e.name === 'RunTask' && (e.dur ?? 0) > 50_000);
  console.log(
    `tasks over 50 ms: ${tasks.length} (longest ${(Math.max(0, ...tasks.map((e) => e.dur!)) / 1000).toFixed(1)} ms)`,
  );
  // Every such task's events and updates; the five longest in detail.
  for (const [rank, task] of tasks.sort((a, b) => b.dur! - a.dur!).entries()) {
    const end = task.ts + task.dur!;
    const inside = main.filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= end);
    const selfBy = selfTimes(inside);
    const kinds = new Map<string, number>();
    for (const m of marks) {
      if (m.ts < task.ts || m.ts > end || m.cat?.includes('devtools')) continue;
      const k = m.ph === 'M' ? `${m.name} (ms)` : m.name;
      kinds.set(k, (kinds.get(k) ?? 0) + (m.ph === 'M' ? Math.round(m.dur! / 100) / 10 : 1));
    }
    const fnSelf = new Map<string, number>();
    profile.samples?.forEach((id, i) => {
      const at = sampleTimes[i]!;
      if (at < task.ts || at > end) return;
      const l = label(id);
      if (l.startsWith('(idle)') || l.startsWith('(program)')) return;
      fnSelf.set(l, (fnSelf.get(l) ?? 0) + (profile.timeDeltas?.[i + 1] ?? 0) / 1000);
    });
    const top = (m: Map<string, number>, k: number, scale: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, k)
        .map(([n, v]) => `    ${(v / scale).toFixed(1).padStart(7)} ms  ${n}`)
        .join('\n');
    console.log(
      `task ${(task.dur! / 1000).toFixed(1)} ms; events and updates ${JSON.stringify(Object.fromEntries(kinds))}`,
    );
    if (rank >= 5) continue;
    console.log(`  timeline, self time:\n${top(selfBy, 12, 1000)}`);
    // How much of the document each layout walked: a small change should dirty a few objects, not the page.
    const layouts = inside
      .filter((e) => e.name === 'Layout')
      .map((e) => {
        const b = e.args?.beginData as { dirtyObjects?: number; totalObjects?: number } | undefined;
        return `${(e.dur! / 1000).toFixed(1)} ms (${b?.dirtyObjects}/${b?.totalObjects})`;
      });
    if (layouts.length) console.log(`  layouts (dirty/total objects): ${layouts.join(', ')}`);
    console.log(`  JS sampled, self time:\n${top(fnSelf, 15, 1)}`);
  }
}

/** The whole window's main-thread time by timeline event, self time (what each kind of work cost, per push). */
function breakdown(events: TraceEvent[], pushes: number): void {
  const main = mainThread(events);
  const own = selfTimes(main);
  const tasks = main.filter((e) => e.name === 'RunTask').reduce((t, e) => t + e.dur!, 0);
  console.log(`main thread tasks ${(tasks / 1000).toFixed(0)} ms; self time by event:`);
  for (const [n, us] of [...own].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(
      `  ${(us / 1000).toFixed(1).padStart(8)} ms  ${(pushes ? us / 1000 / pushes : 0).toFixed(3)}/push  ${n}`,
    );
}
