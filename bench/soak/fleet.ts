import { createReporter, type Reporter, ReporterError } from '@pulseboard/reporter';

const STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The workers of the soak: reporter SDK instances (real HTTP, the SDK's own
 * retries and backoff) behind a balancer without stickiness, so a worker's
 * requests alternate between the instances; plus storms the SDK would not
 * make by itself (many heartbeats of one worker at once, through both instances).
 */
export class Fleet {
  /** Workers that report from start to end: none of them should ever be judged stale. */
  readonly steady = new Map<string, Reporter>();
  /** Reporter errors by HTTP status ('network' when there was no answer). */
  readonly errors = new Map<string, number>();
  readonly #urls: readonly string[];
  #turn = 0;
  #ephemeral = 0;

  constructor(urls: readonly string[]) {
    this.#urls = urls;
  }

  /** The next instance, round robin. */
  next(): string {
    return this.#urls[this.#turn++ % this.#urls.length] as string;
  }

  async start(count: number): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, (_, i) => {
        const reporter = this.#reporter(`steady-${i}`, i);
        this.steady.set(`steady-${i}`, reporter);
        return reporter.start();
      }),
    );
  }

  /** A steady worker reports another status from its next heartbeat on. */
  flip(): void {
    pick([...this.steady.values()]).update({ status: pick(STATUSES) });
  }

  /**
   * Workers that come and go: each registers, reports for 1–6 s, then either
   * deregisters or (one in three) goes silent without a word, to be marked
   * offline and expire.
   */
  async churn(count: number): Promise<void> {
    await Promise.all(
      Array.from({ length: count }, async () => {
        const n = this.#ephemeral++;
        let crashed = false;
        const reporter = this.#reporter(`eph-${n}`, n, () => crashed);
        await reporter.start();
        if (Math.random() < 0.3) reporter.log('info', `eph-${n} working`);
        await sleep(1000 + Math.random() * 5000);
        if (n % 3 === 0) crashed = true;
        else await reporter.stop().catch(() => {});
      }),
    );
  }

  /** Rounds of four heartbeats at once per steady worker, two through each instance, each with another status. */
  async race(rounds: number): Promise<void> {
    await Promise.all(
      [...this.steady.keys()].map(async (id, w) => {
        for (let round = 0; round < rounds; round++) {
          await Promise.all(
            [0, 1, 2, 3].map((k) =>
              fetch(`${this.#urls[k % this.#urls.length]}/api/workers/${id}/heartbeat`, {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify({ status: STATUSES[(w + round + k) % 3] }),
              })
                .then((response) => response.arrayBuffer())
                .catch(() => this.#count('network')),
            ),
          );
        }
      }),
    );
  }

  /**
   * Every steady worker logs `lines` lines of about 200 bytes at once. The SDK sends them in one
   * batch, which must stay within the server's 64 KiB body limit.
   */
  async logStorm(lines: number): Promise<void> {
    const padding = 'x'.repeat(180);
    for (const [id, reporter] of this.steady) {
      for (let i = 0; i < lines; i++) {
        reporter.log(pick(['debug', 'info', 'warn', 'error']), `${id} line ${i} ${padding}`);
      }
    }
    await Promise.all(
      [...this.steady.values()].map((reporter) => reporter.flushLogs().catch((error) => this.#failed(error))),
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.steady.values()].map((reporter) => reporter.stop().catch(() => {})));
  }

  #reporter(id: string, n: number, crashed?: () => boolean): Reporter {
    return createReporter({
      // The balancer below picks the instance; this base is only for the path.
      url: 'http://balancer',
      worker: { id, name: `Worker ${id}`, queue: `queue-${n % 4}`, status: 'healthy' },
      collect: () => ({
        metrics: {
          cpu: Math.random() * 100,
          memoryBytes: 100_000_000 + n,
          requestsPerSec: 10 + (n % 50),
          responseTimeMs: 5 + Math.random() * 50,
          errorCount: 0,
          uptimeSec: Math.round(performance.now() / 1000),
        },
        queueStats: { depth: n % 10, inFlight: 1, processed: n, failed: 0, deadLetter: n % 3, ratePerSec: 2 },
      }),
      fetch: (input, init) => {
        // A crashed worker never sends again.
        if (crashed?.()) return new Promise<Response>(() => {});
        const url = new URL(String(input));
        return fetch(`${this.next()}${url.pathname}${url.search}`, init);
      },
      onError: (error) => this.#failed(error),
    });
  }

  #failed(error: unknown): void {
    this.#count(error instanceof ReporterError ? String(error.status) : 'network');
  }

  #count(kind: string): void {
    this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
  }
}
