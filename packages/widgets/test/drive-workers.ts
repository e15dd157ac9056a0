/**
 * Browser-test helpers for the dashboard elements: start a real Pulseboard
 * server (through the runner's pulse-server plugin), drive workers over its
 * HTTP API, mount elements inside a real `<sse-connection>`, and wait for the
 * screen to show something.
 */

import { expect } from '@open-wc/testing';
import type {
  ActionDelivery,
  ActionResultBody,
  DeadLettersBody,
  HeartbeatBody,
  HeartbeatResponse,
  LogLineInput,
  QueueStats,
  RegisterWorkerBody,
  ResourceReport,
  WorkerMetrics,
} from '@pulseboard/protocol';
import { executeServerCommand, setViewport } from '@web/test-runner-commands';

/** Small intervals so a test sees pings, dashboard updates and metric ticks quickly. */
export const FAST = {
  pingIntervalMs: 1000,
  dashboardIntervalMs: 200,
  metricsIntervalMs: 50,
  heartbeatIntervalMs: 1000,
  retryMs: 200,
  retryJitterMs: 0,
};

export const HOSTILE = '<img src=x onerror=alert(1)>';

export function metrics(partial: Partial<WorkerMetrics> = {}): WorkerMetrics {
  return {
    cpu: 20,
    memoryBytes: 256 * 1024 ** 2,
    requestsPerSec: 10,
    responseTimeMs: 40,
    errorCount: 0,
    uptimeSec: 3600,
    ...partial,
  };
}

export function queueStats(partial: Partial<QueueStats> = {}): QueueStats {
  return { depth: 0, inFlight: 0, processed: 0, failed: 0, deadLetter: 0, ratePerSec: 0, ...partial };
}

export class TestServer {
  constructor(readonly url: string) {}

  get events(): string {
    return `${this.url}/events`;
  }

  async #call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  register(body: RegisterWorkerBody): Promise<Response> {
    return this.#call('POST', '/api/workers', body);
  }

  heartbeat(id: string, body: HeartbeatBody = {}): Promise<Response> {
    return this.#call('POST', `/api/workers/${encodeURIComponent(id)}/heartbeat`, body);
  }

  log(id: string, entries: LogLineInput[]): Promise<Response> {
    return this.#call('POST', `/api/workers/${encodeURIComponent(id)}/logs`, { entries });
  }

  deadLetters(id: string, body: DeadLettersBody): Promise<Response> {
    return this.#call('POST', `/api/workers/${encodeURIComponent(id)}/dead-letters`, body);
  }

  leave(id: string): Promise<Response> {
    return this.#call('DELETE', `/api/workers/${encodeURIComponent(id)}`);
  }

  resource(report: ResourceReport): Promise<Response> {
    const { id, ...body } = report;
    return this.#call('PUT', `/api/resources/${encodeURIComponent(id)}`, body);
  }

  /**
   * Acts as worker `id` over HTTP: takes its actions from heartbeats (`takeActions`) every 50 ms and answers each
   * with `answer(delivery)` (`POST /api/actions/:id/result`), until `stop()`. `seen` lists what it was given.
   */
  answerActions(
    id: string,
    answer: (delivery: ActionDelivery) => ActionResultBody,
  ): { seen: ActionDelivery[]; stop(): void } {
    const seen: ActionDelivery[] = [];
    let stopped = false;
    void (async () => {
      while (!stopped) {
        const response = await this.heartbeat(id, { takeActions: true });
        for (const delivery of ((await response.json()) as HeartbeatResponse).actions ?? []) {
          seen.push(delivery);
          await this.#call('POST', `/api/actions/${delivery.id}/result`, answer(delivery));
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      // The server stopped under it (the test is over): the test waiting for an answer says what it missed.
    })().catch(() => {});
    return {
      seen,
      stop: () => {
        stopped = true;
      },
    };
  }

  async stop(): Promise<void> {
    await executeServerCommand('pulse-server-stop', { url: this.url });
  }
}

export async function startServer(config: Record<string, unknown> = {}): Promise<TestServer> {
  const result = await executeServerCommand<{ url: string }, Record<string, unknown>>('pulse-server-start', {
    ...FAST,
    ...config,
  });
  if (!result?.url) throw new Error('pulse-server-start returned no url');
  return new TestServer(result.url);
}

/**
 * The fixture of an element's browser tests: call it in a `describe` to start
 * a server before each test and, after it, remove everything mounted and stop
 * the server. A test may replace `server` (another config, a restart); the
 * replacement is the one stopped.
 */
export function serverPerTest(): { server: TestServer } {
  const fixture = {} as { server: TestServer };
  beforeEach(async () => {
    fixture.server = await startServer();
  });
  afterEach(async () => {
    unmountAll();
    await fixture.server.stop();
  });
  return fixture;
}

/** Polls until `check` returns a truthy value (or stops throwing), then returns it. */
export async function until<T>(
  check: () => T,
  what = 'condition',
  timeoutMs = 5000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}${last ? `: ${last}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The visible text of an element's shadow root, whitespace collapsed. */
export function textOf(el: Element): string {
  return (el.shadowRoot?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

const mounted = new Set<HTMLElement>();

/** Adds `html` to the page in a container that {@link unmountAll} removes. */
export function mount(html: string): HTMLElement {
  const container = document.createElement('div');
  container.innerHTML = html;
  document.body.append(container);
  mounted.add(container);
  return container;
}

/** Removes everything {@link mount} added; call it in `afterEach` so a failed test leaves nothing behind. */
export function unmountAll(): void {
  for (const container of mounted) container.remove();
  mounted.clear();
}

/**
 * Mounts `<sse-connection src=…>` (with `token`, of its own) around `markup` and waits until the element
 * is ready (`initial_data` applied and rendered).
 */
export async function mountConnected<T extends HTMLElement>(
  server: TestServer,
  markup: string,
  selector: string,
  token?: string,
): Promise<{ el: T; connection: HTMLElement }> {
  const container = mount(
    `<sse-connection src="${server.events}" ${token ? `token="${token}" shared="false"` : ''}>${markup}</sse-connection>`,
  );
  const el = container.querySelector(selector) as T;
  const connection = container.querySelector('sse-connection') as HTMLElement;
  await until(
    () => el.shadowRoot?.querySelector('[part~="connection"]') && !el.shadowRoot.querySelector('.skeleton'),
    `${selector} ready`,
  );
  return { el, connection };
}

/** Two layout frames: container queries and resize observers have answered. */
const nextFrames = () =>
  new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

/** Workers, a queue and log lines whose names and text are long enough to break a narrow layout. */
async function fillWithLongNames(server: TestServer): Promise<void> {
  for (const [id, name] of [
    ['notifications-dispatcher-7f3a', 'Customer notifications dispatcher (EU west)'],
    ['billing-sync-1', 'Billing sync'],
  ]) {
    await server.register({
      id: id!,
      name: name!,
      queue: 'customer-notifications-high-priority',
      status: 'degraded',
      metrics: metrics({ errorCount: 1 }),
      queueStats: queueStats({ depth: 1234, deadLetter: 56, failed: 7 }),
    });
    await server.heartbeat(id!, { metrics: metrics({ errorCount: 40 }) });
    await server.log(id!, [
      { level: 'error', message: `${'Upstream answered 503 while sending the batch; '.repeat(4)}` },
    ]);
  }
}

/**
 * What every dashboard element must do, whatever it renders: say when it has
 * no connection, link with `connection="id"`, show the connection state
 * (Live, stale, Failed with a working Retry now button, also while
 * reconnecting; a wrong src named), fit 240, 390 and 1,440 px in every state,
 * show whole focus rings and pass axe in light and dark. Each element's test file calls this once.
 */
export function behavesLikeAPulseElement(tag: string): void {
  describe(`<${tag}>: shared behaviour`, () => {
    const fx = serverPerTest();

    it('says on screen that it has no connection, and renders its heading as text', async () => {
      const el = mount(`<${tag}></${tag}>`).firstElementChild as HTMLElement & { heading: string | null };
      await until(() => textOf(el).includes('Not connected to an <sse-connection>'), 'no-provider message');
      expect(el.shadowRoot!.querySelector('code')?.textContent).to.contain('sse-connection');
      el.heading = HOSTILE;
      await until(() => el.shadowRoot!.querySelector('[part~="title"]')?.textContent === HOSTILE, 'heading');
      expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    });

    it('links to an <sse-connection> elsewhere with connection="id", even one added later', async () => {
      const wrap = mount(`<${tag} connection="conn-a"></${tag}>`);
      const el = wrap.firstElementChild as HTMLElement;
      await until(() => textOf(el).includes('Waiting for the connection'), 'waiting message');
      mount(`<sse-connection id="conn-a" src="${fx.server.events}"></sse-connection>`);
      await until(() => textOf(el).includes('Live'), 'Live through connection=');
    });

    it('dims stale data, fails after max-retries and reconnects from its button', async () => {
      const port = Number(new URL(fx.server.url).port);
      const wrap = mount(
        `<sse-connection src="${fx.server.events}" max-retries="1" retry-base="50" retry-max="100"><${tag}></${tag}></sse-connection>`,
      );
      const el = wrap.querySelector(tag) as HTMLElement;
      await until(() => textOf(el).includes('Live'), 'Live');
      await fx.server.stop();
      await until(() => textOf(el).includes('Stale since'), 'stale note');
      expect(el.shadowRoot!.querySelector('.body')!.classList.contains('stale')).to.equal(true);
      await until(() => textOf(el).includes('Failed'), 'Failed');
      const button = el.shadowRoot!.querySelector<HTMLButtonElement>('button[part~="reconnect"]')!;
      expect(button.textContent!.trim()).to.equal('Retry now');
      fx.server = await startServer({ port });
      button.click();
      await until(() => textOf(el).includes('Live'), 'Live again');
      expect(el.shadowRoot!.querySelector('.body')!.classList.contains('stale')).to.equal(false);
    });

    it('says Unauthorized, with the reason, when the server refuses the token', async () => {
      await fx.server.stop();
      fx.server = await startServer({ readTokens: ['right-token'] });
      const wrap = mount(
        `<sse-connection src="${fx.server.events}" token="wrong"><${tag}></${tag}></sse-connection>`,
      );
      const el = wrap.querySelector(tag) as HTMLElement;
      await until(() => textOf(el).includes('Unauthorized'), 'Unauthorized');
      expect(el.shadowRoot!.querySelector('[part~="reconnect"]')).to.equal(null);
    });

    it('offers Retry now while reconnecting, which connects at once', async () => {
      const port = Number(new URL(fx.server.url).port);
      const wrap = mount(
        `<sse-connection src="${fx.server.events}" retry-base="60000" retry-max="60000"><${tag}></${tag}></sse-connection>`,
      );
      const el = wrap.querySelector(tag) as HTMLElement;
      await until(() => textOf(el).includes('Live'), 'Live');
      await fx.server.stop();
      fx.server = await startServer({ port });
      // The server said goodbye: the next attempt waits up to a minute (retry-base), unless asked now.
      const button = await until(
        () => el.shadowRoot!.querySelector<HTMLButtonElement>('button[part~="reconnect"]'),
        'Retry now while reconnecting',
      );
      expect(textOf(el)).to.match(/Reconnecting in \d+ s/);
      button.click();
      await until(() => textOf(el).includes('Live'), 'Live at once', 3000);
    });

    it('names the URL and the status when src is not an event stream (404), and offers Retry now', async () => {
      const wrap = mount(`<sse-connection src="${fx.server.url}/nope"><${tag}></${tag}></sse-connection>`);
      const el = wrap.querySelector(tag) as HTMLElement;
      await until(() => textOf(el).includes('Could not connect'), 'Could not connect');
      const notice = el.shadowRoot!.querySelector('[part~="notice"]')!.textContent!;
      expect(notice).to.contain(`${fx.server.url}/nope answered HTTP 404`);
      expect(notice).to.contain('check src');
      expect(textOf(el)).to.contain('Failed');
      const button = el.shadowRoot!.querySelector<HTMLButtonElement>('button[part~="reconnect"]')!;
      expect(button.textContent!.trim()).to.equal('Retry now');
      wrap.querySelector('sse-connection')!.setAttribute('src', fx.server.events);
      await until(() => textOf(el).includes('Live'), 'Live once src is right');
    });

    it('fits 240, 390 and 1,440 px wide in every connection state, nothing that carries meaning cut', async () => {
      await fillWithLongNames(fx.server);
      const refusing = await startServer({ readTokens: ['right-token'] });
      const gone = await startServer();
      const states = {
        open: `<sse-connection src="${fx.server.events}"><${tag}></${tag}></sse-connection>`,
        stale: `<sse-connection src="${gone.events}" retry-base="60000" retry-max="60000"><${tag}></${tag}></sse-connection>`,
        unauthorized: `<sse-connection src="${refusing.events}" token="wrong"><${tag}></${tag}></sse-connection>`,
        failed: `<sse-connection src="${fx.server.url}/nope"><${tag}></${tag}></sse-connection>`,
        paused: `<sse-connection src="${fx.server.events}"><${tag} paused></${tag}></sse-connection>`,
        none: `<${tag}></${tag}>`,
      };
      try {
        const els = Object.fromEntries(
          Object.entries(states).map(([state, html]) => [
            state,
            mount(html).querySelector(tag) as HTMLElement,
          ]),
        );
        await until(() => textOf(els.stale!).includes('Live'), 'Live before going stale');
        await gone.stop();
        await until(() => textOf(els.stale!).includes('Stale since'), 'stale');
        await until(() => textOf(els.unauthorized!).includes('Unauthorized'), 'unauthorized');
        await until(() => textOf(els.failed!).includes('Failed'), 'failed');
        await until(
          () => textOf(els.open!).includes('Live') && !els.open!.shadowRoot!.querySelector('.skeleton'),
          'open',
        );
        for (const width of [240, 390, 1440]) {
          await setViewport({ width, height: 900 });
          await nextFrames();
          expect(document.documentElement.scrollWidth, `page at ${width} px`).to.be.at.most(width);
          for (const [state, el] of Object.entries(els)) {
            const what = `${state} at ${width} px`;
            const root = el.shadowRoot!;
            for (const part of root.querySelectorAll<HTMLElement>(
              '.frame, .header, .toolbar, .body, .status-line',
            ))
              expect(part.scrollWidth, `${what}: .${part.className}`).to.be.at.most(part.clientWidth + 1);
            // Names are whole (wrapped, not cut), except in the log, whose lines keep one height.
            if (width < 1440)
              for (const name of root.querySelectorAll<HTMLElement>(
                '[part~="row"] .pick, [part~="card"] .pick',
              ))
                expect(name.scrollWidth, `${what}: ${name.textContent}`).to.be.at.most(name.clientWidth + 1);
            const badge = root.querySelector<HTMLElement>('[part~="connection"]');
            if (!badge) continue;
            // Narrow, the words are the dot's title and its hidden text.
            expect(badge.title, what).to.equal(badge.textContent!.trim());
            expect(badge.getBoundingClientRect().width, what).to.be.at.most(width < 1440 ? 20 : 200);
          }
          // The narrow layout (the dot alone, wrapped names) passes axe too, light and dark.
          if (width === 390)
            for (const theme of ['light', 'dark']) {
              els.open!.setAttribute('theme', theme);
              await (els.open as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
              await expect(els.open).to.be.accessible();
            }
        }
      } finally {
        await setViewport({ width: 800, height: 600 });
        await refusing.stop();
      }
    });

    it('shows the whole focus ring of every control, in light, dark and forced colours', async () => {
      await fillWithLongNames(fx.server);
      const wrap = mount(`<sse-connection src="${fx.server.events}"><${tag}></${tag}></sse-connection>`);
      const el = wrap.querySelector(tag) as HTMLElement;
      await until(() => textOf(el).includes('Live') && !el.shadowRoot!.querySelector('.skeleton'), 'ready');
      try {
        for (const [theme, forced] of [
          ['light', 'none'],
          ['dark', 'none'],
          ['light', 'active'],
        ] as const) {
          el.setAttribute('theme', theme);
          await executeServerCommand('pulse-emulate-media', {
            features: [{ name: 'forced-colors', value: forced }],
          });
          await nextFrames();
          const controls = el.shadowRoot!.querySelectorAll<HTMLElement>(
            'button, select, input, [tabindex="0"]',
          );
          for (const control of controls) {
            control.focus({ focusVisible: true } as FocusOptions);
            const what = `${theme}${forced === 'active' ? ', forced colours' : ''}: ${control.outerHTML.slice(0, 60)}`;
            const style = getComputedStyle(control);
            expect(style.outlineStyle, what).to.equal('solid');
            expect(style.outlineColor, what).not.to.equal(style.backgroundColor);
            const ring = Number.parseFloat(style.outlineOffset) + Number.parseFloat(style.outlineWidth);
            const box = control.getBoundingClientRect();
            // Every box around the control that cuts what overflows it must hold the ring.
            for (let up = control.parentElement; up && up !== el; up = up.parentElement) {
              const { overflowX, overflowY } = getComputedStyle(up);
              if (overflowX === 'visible' && overflowY === 'visible') continue;
              const clip = up.getBoundingClientRect();
              expect(box.left - ring, `${what} in ${up.className}`).to.be.at.least(clip.left - 0.5);
              expect(box.right + ring, `${what} in ${up.className}`).to.be.at.most(clip.right + 0.5);
            }
          }
        }
      } finally {
        await executeServerCommand('pulse-emulate-media', {
          features: [{ name: 'forced-colors', value: 'none' }],
        });
      }
    });

    it('passes axe in light and dark', async () => {
      await fx.server.register({
        id: 'a11y-1',
        name: 'Mailer',
        queue: 'email',
        metrics: metrics({ errorCount: 3 }),
      });
      await fx.server.log('a11y-1', [{ level: 'warn', message: 'slow SMTP handshake' }]);
      const wrap = mount(
        `<sse-connection src="${fx.server.events}"><${tag} theme="light"></${tag}></sse-connection>`,
      );
      const el = wrap.querySelector(tag) as HTMLElement;
      await until(() => textOf(el).includes('Live') && !el.shadowRoot!.querySelector('.skeleton'), 'ready');
      await expect(el).to.be.accessible();
      el.setAttribute('theme', 'dark');
      await (el as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
      await expect(el).to.be.accessible();
    });
  });
}
