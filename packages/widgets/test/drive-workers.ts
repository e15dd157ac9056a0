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
  HeartbeatBody,
  HeartbeatResponse,
  LogLineInput,
  QueueStats,
  RegisterWorkerBody,
  ResourceReport,
  WorkerMetrics,
} from '@pulseboard/protocol';
import { executeServerCommand } from '@web/test-runner-commands';

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
 * Mounts `<sse-connection src=…>` around `markup` and waits until the element
 * is ready (`initial_data` applied and rendered).
 */
export async function mountConnected<T extends HTMLElement>(
  server: TestServer,
  markup: string,
  selector: string,
): Promise<{ el: T; connection: HTMLElement }> {
  const container = mount(`<sse-connection src="${server.events}">${markup}</sse-connection>`);
  const el = container.querySelector(selector) as T;
  const connection = container.querySelector('sse-connection') as HTMLElement;
  await until(
    () => el.shadowRoot?.querySelector('[part~="connection"]') && !el.shadowRoot.querySelector('.skeleton'),
    `${selector} ready`,
  );
  return { el, connection };
}

/**
 * What every dashboard element must do, whatever it renders: say when it has
 * no connection, link with `connection="id"`, show the connection state
 * (Live, stale, Failed with a working Reconnect button) and pass axe in light
 * and dark. Each element's test file calls this once.
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
      const button = await until(
        () => el.shadowRoot!.querySelector<HTMLButtonElement>('button[part~="reconnect"]'),
        'Reconnect button',
      );
      expect(textOf(el)).to.contain('Failed');
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
