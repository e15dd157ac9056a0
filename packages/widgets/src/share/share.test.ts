import { expect } from '@open-wc/testing';
import { executeServerCommand } from '@web/test-runner-commands';
import { DEFAULT_TRANSPORT_OPTIONS, type WireEvent } from '../transport/transport.js';
import type { ConnectionRole } from '../transport/types.js';
import { SharedTransport } from './shared-transport.js';

// Real tabs of one browser context (opened by the test runner's plugin through
// puppeteer) against a real Pulseboard server, which counts the /events
// connections itself (/healthz).

const FAST = { retryMs: 20, retryJitterMs: 20, metricsIntervalMs: 50 };

const startServer = () =>
  executeServerCommand<{ url: string }, object>('pulse-server-start', FAST).then((r) => r.url);
const stopServer = (url: string) => executeServerCommand('pulse-server-stop', { url });

const openTabs = (src: string, count: number, shared = true) =>
  executeServerCommand<number[], object>('pulse-tabs-open', {
    url: `${location.origin}/packages/widgets/test/share-tab.html?src=${encodeURIComponent(src)}${shared ? '' : '&shared=false'}`,
    count,
  });
const inTabs = <T>(ids: number[], expression: string) =>
  executeServerCommand<T[], object>('pulse-tabs-eval', { ids, expression });
const closeTabs = (ids?: number[]) => executeServerCommand('pulse-tabs-close', { ids });
const freezeTab = (id: number, frozen: boolean) => executeServerCommand('pulse-tabs-freeze', { id, frozen });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` (which may be async) until it holds; bounded. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeout = 10_000): Promise<void> {
  const end = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<void> {
  const response = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${path} → ${response.status}`);
}

/** /events connections the server holds. */
const serverClients = async (url: string): Promise<number> =>
  ((await (await fetch(`${url}/healthz`)).json()) as { clients: number }).clients;

const log = (url: string, seq: number) =>
  api(url, 'POST', '/api/workers/counter/logs', { entries: [{ level: 'info', message: `seq=${seq}` }] });

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A tab in this page: a SharedTransport on `channel`, recording what it delivers. */
function joinChannel(url: string, channel: string) {
  const received: WireEvent[] = [];
  let snapshot: unknown = null;
  const transport = new SharedTransport(
    { ...DEFAULT_TRANSPORT_OPTIONS, src: `${url}/events` },
    {
      event: (event) => {
        received.push(event);
        if (event.type === 'initial_data') snapshot = event.data;
      },
      status() {},
      problem() {},
    },
    channel,
    // Stands in for the client's state: the id check, not the content, is under test here.
    () => snapshot as never,
    { locks: null, heartbeatMs: 100, timeoutMs: 500 },
  );
  transport.connect();
  const seqs = () =>
    received.flatMap((e) =>
      e.type === 'log' ? (e.data as { entries: { message: string }[] }).entries.map((l) => l.message) : [],
    );
  return { transport, received, seqs };
}

describe('cross-tab sharing', () => {
  let url: string;
  beforeEach(async () => {
    url = await startServer();
    await api(url, 'POST', '/api/workers', { id: 'counter' });
  });
  afterEach(async () => {
    await closeTabs();
    await stopServer(url);
  });

  const leaderOf = async (ids: number[]): Promise<number | undefined> => {
    const roles = await inTabs<ConnectionRole>(ids, 'tab.role()');
    const leaders = ids.filter((_, i) => roles[i] === 'leader');
    return leaders.length === 1 && roles.every((r) => r === 'leader' || r === 'follower')
      ? leaders[0]
      : undefined;
  };
  const seqsIn = (ids: number[]) => inTabs<number[]>(ids, 'tab.seqs');

  it('8 tabs hold one /events connection, all live; closing leaders hands over with no gap or repeat', async function () {
    this.timeout(60_000);
    let tabs = await openTabs(`${url}/events`, 8);
    await until(async () => (await leaderOf(tabs)) !== undefined, 'one leader among 8 tabs');
    await until(
      async () => (await inTabs<string[]>(tabs, 'tab.workers()')).every((w) => w.includes('counter')),
      'the snapshot in every tab',
    );
    expect(await serverClients(url)).to.equal(1);
    await api(url, 'POST', '/api/workers', { id: 'late' });
    await until(
      async () => (await inTabs<string[]>(tabs, 'tab.workers()')).every((w) => w.includes('late')),
      'a live registration in every tab',
    );

    const total = 60;
    for (const seq of range(total)) {
      await log(url, seq);
      // Close the leader twice mid-stream, as a user closing tabs would.
      if (seq === 20 || seq === 40) {
        const leader = (await leaderOf(tabs)) as number;
        await closeTabs([leader]);
        tabs = tabs.filter((id) => id !== leader);
      }
      await sleep(10);
    }
    await until(
      async () => (await seqsIn(tabs)).every((seqs) => seqs.length >= total),
      'every line in every tab',
    );
    await sleep(200);
    for (const seqs of await seqsIn(tabs)) expect(seqs).to.deep.equal(range(total));
    expect(tabs).to.have.length(6);
    await until(async () => (await leaderOf(tabs)) !== undefined, 'one leader among the rest');
    await until(async () => (await serverClients(url)) === 1, 'one connection after the handovers');
  });

  it('a tab with shared="false" opens its own connection', async function () {
    this.timeout(30_000);
    const shared = await openTabs(`${url}/events`, 2);
    const [own] = await openTabs(`${url}/events`, 1, false);
    await until(async () => (await leaderOf(shared)) !== undefined, 'a leader among the shared tabs');
    expect(await inTabs<ConnectionRole>([own as number], 'tab.role()')).to.deep.equal(['own']);
    await until(async () => (await serverClients(url)) === 2, 'two connections');
    await log(url, 0);
    await until(
      async () => (await seqsIn([...shared, own as number])).every((s) => s.length === 1),
      'the line everywhere',
    );
  });

  it('takes over from a frozen leader, which steps down when it wakes; no gap or repeat', async function () {
    this.timeout(60_000);
    const tabs = await openTabs(`${url}/events`, 3);
    await until(async () => (await leaderOf(tabs)) !== undefined, 'a leader');
    const frozen = (await leaderOf(tabs)) as number;
    const others = tabs.filter((id) => id !== frozen);
    await log(url, 0);
    await until(async () => (await seqsIn(tabs)).every((s) => s.length === 1), 'the first line');
    await freezeTab(frozen, true);
    const frozenAt = Date.now();
    let seq = 1;
    // A line every 100 ms while the followers notice the silence and one takes over.
    while ((await leaderOf(others)) === undefined) {
      if (Date.now() - frozenAt > 15_000) throw new Error('no takeover within 15 s');
      await log(url, seq++);
      await sleep(100);
    }
    expect(Date.now() - frozenAt).to.be.below(10_000);
    for (const end = seq + 10; seq < end; seq++) await log(url, seq);
    await until(async () => (await seqsIn(others)).every((s) => s.length === seq), 'the lines in the others');
    await freezeTab(frozen, false);
    await until(
      async () => (await inTabs<ConnectionRole>([frozen], 'tab.role()'))[0] === 'follower',
      'the old leader steps down',
    );
    await log(url, seq++);
    await until(async () => (await seqsIn(tabs)).every((s) => s.length === seq), 'every line in every tab');
    for (const seqs of await seqsIn(tabs)) expect(seqs).to.deep.equal(range(seq));
    await until(async () => (await serverClients(url)) === 1, 'one connection again');
  });
});

/** What a channel carries, as any other tab of the origin would hear it. */
function listen(channel: string) {
  const bus = new BroadcastChannel(channel);
  const heard: { kind: string; tab?: string }[] = [];
  bus.onmessage = (message) => heard.push(message.data);
  const kinds = (kind: string) => heard.filter((m) => m.kind === kind).length;
  return { bus, heard, kinds };
}

describe('relaying only to tabs that follow', () => {
  let url: string;
  const channel = () => `pulseboard-test:${Math.random()}`;
  beforeEach(async () => {
    url = await startServer();
    await api(url, 'POST', '/api/workers', { id: 'counter' });
  });
  afterEach(() => stopServer(url));

  /** A tab that leads a new channel alone, synced, and what the channel carries meanwhile. */
  async function alone(
    run: (
      leader: ReturnType<typeof joinChannel>,
      spy: ReturnType<typeof listen>,
      name: string,
    ) => Promise<void>,
  ) {
    const name = channel();
    const spy = listen(name);
    const leader = joinChannel(url, name);
    try {
      await until(() => leader.transport.role === 'leader' && leader.received.length > 0, 'the leader');
      await run(leader, spy, name);
    } finally {
      leader.transport.disconnect();
      spy.bus.close();
    }
  }

  it('a leader alone posts no events; a follower gets every one from its first on; none once it leaves', async function () {
    this.timeout(30_000);
    await alone(async (leader, spy, name) => {
      for (const seq of range(5)) await log(url, seq);
      await until(() => leader.seqs().length === 5, 'the lines in the leader');
      await sleep(300);
      // It says it is alive (the channel is heard), but relays nothing.
      expect(spy.kinds('beat')).to.be.above(0);
      expect(spy.kinds('event')).to.equal(0);

      // Lines every 10 ms while a follower joins: from the snapshot on, each one once, in order.
      let seq = 5;
      let follower: ReturnType<typeof joinChannel> | undefined;
      for (; seq < 60; seq++) {
        await log(url, seq);
        if (seq === 20) follower = joinChannel(url, name);
        await sleep(10);
      }
      const f = follower!;
      await until(() => f.seqs().includes(`seq=${seq - 1}`), 'the last line in the follower');
      const snapshot = f.received[0]!;
      expect(snapshot.type).to.equal('initial_data');
      // What the leader had delivered up to the snapshot it sent, then everything after it.
      const at = leader.received.findIndex((e) => e.id === snapshot.id);
      expect(at).to.be.above(-1);
      const logs = (events: WireEvent[]) => events.filter((e) => e.type === 'log').map((e) => [e.id, e.data]);
      expect(logs(f.received.slice(1))).to.deep.equal(logs(leader.received.slice(at + 1)));
      expect(f.seqs().length).to.be.above(0);

      f.transport.disconnect();
      await sleep(200);
      const relayed = spy.kinds('event');
      for (const s of range(5)) await log(url, 100 + s);
      await until(() => leader.seqs().includes('seq=104'), 'the lines after the follower left');
      await sleep(200);
      expect(spy.kinds('event')).to.equal(relayed);
      expect(await serverClients(url)).to.equal(1);
    });
  });

  it('a leader that kept events to itself sends its state to a tab it did not know, even one that says it is synced', async function () {
    this.timeout(30_000);
    await alone(async (leader, spy, name) => {
      await log(url, 0);
      await until(() => leader.seqs().length === 1, 'a line kept to itself');
      // A tab that followed another leader (or came back from the back/forward cache) and missed that line.
      const stranger = new BroadcastChannel(name);
      const hello = { kind: 'hello', tab: 'stranger', want: { types: null, workers: null }, synced: true };
      const snapshots = () =>
        spy.heard.filter((m) => m.kind === 'snapshot' && (m as { to?: string }).to === 'stranger').length;
      stranger.postMessage(hello);
      await until(() => snapshots() === 1, "the leader's state for the stranger");
      // Known now, and relayed to from then on: the same hello gets no second one.
      stranger.postMessage(hello);
      await log(url, 1);
      await until(() => spy.kinds('event') > 0, 'a relayed line');
      await sleep(200);
      expect(snapshots()).to.equal(1);
      stranger.postMessage({ kind: 'bye', tab: 'stranger' });
      stranger.close();
    });
  });

  it('a follower that crashed (no bye) does not stop the others getting every event', async function () {
    this.timeout(30_000);
    const name = channel();
    const leader = joinChannel(url, name);
    await until(() => leader.transport.role === 'leader' && leader.received.length > 0, 'the leader');
    const follower = joinChannel(url, name);
    try {
      await until(() => follower.received.length > 0, 'a synced follower');
      // A tab that said hello and died: the others hear nothing from it again.
      const crashed = new BroadcastChannel(name);
      crashed.postMessage({
        kind: 'hello',
        tab: 'crashed',
        want: { types: null, workers: null },
        synced: true,
      });
      crashed.close();
      for (const seq of range(30)) {
        await log(url, seq);
        await sleep(25);
      }
      await until(() => follower.seqs().length === 30, 'every line in the follower');
      expect(follower.seqs()).to.deep.equal(range(30).map((s) => `seq=${s}`));
    } finally {
      for (const t of [leader, follower]) t.transport.disconnect();
    }
  });

  it('whichever tab takes over relays to the others from its first event, tabs that joined before it included', async function () {
    this.timeout(30_000);
    // Three rounds: a new leader is picked at random, and it must know the tabs older than itself too.
    for (const round of range(3)) {
      const name = channel();
      const first = joinChannel(url, name);
      await until(() => first.transport.role === 'leader' && first.received.length > 0, 'the first leader');
      const older = joinChannel(url, name);
      await until(() => older.received.length > 0, 'the second tab synced');
      const younger = joinChannel(url, name);
      await until(() => younger.received.length > 0, 'the third tab synced');
      const rest = [older, younger];
      try {
        let seq = 0;
        for (; seq < 10; seq++) await log(url, 1000 * round + seq);
        first.transport.disconnect();
        // Lines all through the handover.
        for (; seq < 60; seq++) {
          await log(url, 1000 * round + seq);
          await sleep(10);
        }
        await until(
          () => rest.every((t) => t.seqs().includes(`seq=${1000 * round + seq - 1}`)),
          'the last line in both',
        );
        await sleep(100);
        const want = range(seq).map((s) => `seq=${1000 * round + s}`);
        for (const t of rest) {
          expect(t.seqs()).to.deep.equal(want);
          // Carried on by events: no second snapshot.
          expect(t.received.filter((e) => e.type === 'initial_data')).to.have.length(1);
        }
        expect(rest.filter((t) => t.transport.role === 'leader')).to.have.length(1);
      } finally {
        for (const t of [first, ...rest]) t.transport.disconnect();
      }
    }
  });
});

describe('the BroadcastChannel election (where Web Locks are missing)', () => {
  it('elects one leader, hands over when it leaves, and a late tab starts from its state', async function () {
    this.timeout(30_000);
    const url = await startServer();
    try {
      await api(url, 'POST', '/api/workers', { id: 'counter' });
      const channel = `pulseboard-test:${Math.random()}`;
      const join = () => joinChannel(url, channel);
      const tabs = [join(), join(), join()];
      const leaders = () => tabs.filter((t) => t.transport.role === 'leader');
      await until(() => leaders().length === 1 && tabs.every((t) => t.received.length > 0), 'one leader');
      await sleep(300);
      expect(leaders()).to.have.length(1);
      expect(await serverClients(url)).to.equal(1);
      await log(url, 0);
      const [first] = leaders();
      first?.transport.disconnect();
      const rest = tabs.filter((t) => t !== first);
      await until(() => rest.some((t) => t.transport.role === 'leader'), 'a new leader', 3000);
      await log(url, 1);
      await until(() => rest.every((t) => t.seqs().includes('seq=1')), 'the line after the handover');
      const late = join();
      await until(() => late.received[0]?.type === 'initial_data', "the late tab gets the leader's state");
      await log(url, 2);
      await until(() => [...rest, late].every((t) => t.seqs().includes('seq=2')), 'the last line');
      for (const t of rest) expect(t.seqs()).to.deep.equal(['seq=0', 'seq=1', 'seq=2']);
      expect(late.seqs()).to.deep.equal(['seq=2']);
      expect(await serverClients(url)).to.equal(1);
      for (const t of [...rest, late]) t.transport.disconnect();
    } finally {
      await stopServer(url);
    }
  });

  it("a resync on the leader's connection reaches every tab: they ask for and take the leader's new state", async function () {
    this.timeout(30_000);
    let url = await startServer();
    const port = new URL(url).port;
    const channel = `pulseboard-test:${Math.random()}`;
    const tabs = [joinChannel(url, channel), joinChannel(url, channel), joinChannel(url, channel)];
    try {
      await api(url, 'POST', '/api/workers', { id: 'counter' });
      const leader = () => tabs.find((t) => t.transport.role === 'leader');
      await until(
        () => Boolean(leader()) && tabs.every((t) => t.received.length > 0),
        'one leader, all synced',
      );
      await log(url, 0);
      await until(() => tabs.every((t) => t.seqs().includes('seq=0')), 'the first line everywhere');
      // A new server on the same address knows none of the ids the tabs hold: the leader gets a fresh
      // initial_data, which is not relayed whole; the other tabs must ask for the leader's state.
      await stopServer(url);
      url = await executeServerCommand<{ url: string }, object>('pulse-server-start', {
        ...FAST,
        port: Number(port),
      }).then((r) => r.url);
      await api(url, 'POST', '/api/workers', { id: 'fresh-worker' });
      const snapshots = (t: (typeof tabs)[number]) => t.received.filter((e) => e.type === 'initial_data');
      const hasFresh = (e: WireEvent) =>
        (e.data as { workers: { id: string }[] }).workers.some((w) => w.id === 'fresh-worker');
      await until(
        () => tabs.every((t) => snapshots(t).length === 2 && hasFresh(snapshots(t)[1]!)),
        "every tab's second snapshot, with the new server's worker",
      );
      await api(url, 'POST', '/api/workers', { id: 'counter' });
      await log(url, 1);
      await until(
        () => tabs.every((t) => t.seqs().includes('seq=1')),
        'the line after the resync everywhere',
      );
      for (const t of tabs) expect(t.seqs()).to.deep.equal(['seq=0', 'seq=1']);
      expect(await serverClients(url)).to.equal(1);
    } finally {
      for (const t of tabs) t.transport.disconnect();
      await stopServer(url);
    }
  });
});
