// A web-test-runner plugin that lets browser tests start and stop real
// Pulseboard servers in the runner's Node process (over real sockets), through
// `executeServerCommand('pulse-server-start', config)` from @web/test-runner-commands.
// It also runs TCP proxies in front of them, so a test can break the network
// for real: drop every connection, or stall them (a half-open socket); and
// opens real tabs next to the test page, for the cross-tab sharing tests; and
// runs scripted SSE servers that send what a Pulseboard server never would; and
// emulates media features (forced colours) for the page.
import { createServer as createHttpServer } from 'node:http';
import { createConnection, createServer } from 'node:net';

/** A TCP proxy to `target` (http://host:port) that can drop or stall the connections through it. */
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  /** @type {Set<{ client: import('node:net').Socket, upstream: import('node:net').Socket }>} */
  const pairs = new Set();
  let connections = 0;
  /** The request lines ("GET /events?types=… HTTP/1.1"): what the server was asked for. */
  const requests = [];
  const server = createServer((client) => {
    connections++;
    // Every request, also those that reuse a kept-alive connection (a chunk that starts with a request line).
    client.on('data', (chunk) => {
      const line = chunk.toString('latin1', 0, 2048).split('\r\n')[0];
      if (/^[A-Z]+ \S+ HTTP\/1\.[01]$/.test(line)) requests.push(line);
    });
    const upstream = createConnection({ host: hostname, port: Number(port) });
    const pair = { client, upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats: () => ({ connections, open: pairs.size, requests }),
    /** Every current connection stops carrying bytes but stays open, as after a silent network loss. */
    stall() {
      for (const { client, upstream } of pairs) {
        upstream.unpipe(client);
        upstream.pause();
        client.unpipe(upstream);
        client.pause();
      }
    },
    drop() {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
    },
    close() {
      this.drop();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A node:http server whose every `GET /events` gets `body` as it is, then the
 * end of the stream when `close` is set: a `retry: 0` or a time no Date holds,
 * which a real Pulseboard server refuses to send. It counts the streams it opened.
 */
async function startScripted({ body, close }) {
  let connections = 0;
  const server = createHttpServer((req, res) => {
    // The test page is on another origin; a resume's Last-Event-ID makes the browser ask first.
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Headers': 'Last-Event-ID' }).end();
      return;
    }
    connections++;
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    if (close) res.end(body);
    else res.write(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stats: () => ({ connections }),
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Real tabs for cross-tab tests: pages of the test page's own browser context
 * (same origin, same Web Locks and BroadcastChannels), opened, inspected,
 * frozen and closed through puppeteer.
 */
function tabCommands() {
  /** @type {Map<number, import('puppeteer-core').Page>} */
  const tabs = new Map();
  let next = 0;
  const tab = (id) => {
    const page = tabs.get(id);
    if (!page) throw new Error(`no tab ${id}`);
    return page;
  };
  return {
    async run(command, payload, session) {
      if (command === 'pulse-tabs-open') {
        // Pages of the test page's context: the same origin, locks and channels.
        const context = session.browser.getPage(session.id).browserContext();
        const ids = [];
        for (let i = 0; i < payload.count; i++) {
          const page = await context.newPage();
          await page.goto(payload.url);
          tabs.set(next, page);
          ids.push(next++);
        }
        return ids;
      }
      if (command === 'pulse-tabs-eval') {
        const ids = payload.ids ?? [...tabs.keys()];
        return Promise.all(ids.map((id) => tab(id).evaluate(payload.expression)));
      }
      if (command === 'pulse-tabs-freeze') {
        // The Page Lifecycle freeze a browser applies to background tabs: no tasks run, sockets and locks stay.
        const cdp = await tab(payload.id).createCDPSession();
        await cdp.send('Page.setWebLifecycleState', { state: payload.frozen ? 'frozen' : 'active' });
        await cdp.detach();
        return true;
      }
      if (command === 'pulse-tabs-close') {
        const ids = payload?.ids ?? [...tabs.keys()];
        await Promise.all(ids.map((id) => tabs.get(id)?.close()));
        for (const id of ids) tabs.delete(id);
        return true;
      }
      return undefined;
    },
    closeAll: () => Promise.all([...tabs.values()].map((page) => page.close().catch(() => {}))),
  };
}

export function pulseServerPlugin() {
  /** @type {Map<string, { close(): Promise<void> }>} */
  const servers = new Map();
  const tabs = tabCommands();
  /** @type {WeakMap<object, import('puppeteer-core').CDPSession>} */
  const mediaSessions = new WeakMap();
  /** @type {Map<string, Awaited<ReturnType<typeof startProxy>>>} */
  const proxies = new Map();
  /** @type {Map<string, Awaited<ReturnType<typeof startScripted>>>} */
  const scripted = new Map();
  let serverModule;
  const load = async () => {
    // The compiled server, as users run it (`npm test` builds it first).
    serverModule ??= await import('@pulseboard/server');
    return serverModule;
  };

  return {
    name: 'pulse-server',
    async executeCommand({ command, payload, session }) {
      if (command.startsWith('pulse-tabs-')) return tabs.run(command, payload, session);
      if (command === 'pulse-emulate-media') {
        // Any media feature, forced-colors included, which puppeteer's emulateMediaFeatures refuses. Through a
        // CDP session kept open: its overrides end with it.
        const page = session.browser.getPage(session.id);
        let cdp = mediaSessions.get(page);
        if (!cdp) {
          cdp = await page.createCDPSession();
          mediaSessions.set(page, cdp);
        }
        await cdp.send('Emulation.setEmulatedMedia', { features: payload.features });
        return true;
      }
      if (command === 'pulse-server-start') {
        const { createApp } = await load();
        // `port` lets a test restart a server on the address its clients know.
        const { port = 0, ...config } = payload ?? {};
        const server = await createApp({ logLevel: 'silent', ...config });
        const { url } = await server.listen({ port, host: '127.0.0.1' });
        servers.set(url, server);
        return { url };
      }
      if (command === 'pulse-server-stop') {
        const server = servers.get(payload.url);
        servers.delete(payload.url);
        await server?.close();
        return true;
      }
      if (command === 'pulse-proxy-start') {
        const proxy = await startProxy(payload.target);
        proxies.set(proxy.url, proxy);
        return { url: proxy.url };
      }
      if (command === 'pulse-script-start') {
        const server = await startScripted(payload);
        scripted.set(server.url, server);
        return { url: server.url };
      }
      if (command === 'pulse-script-stats') return scripted.get(payload.url)?.stats();
      if (command === 'pulse-script-stop') {
        await scripted.get(payload.url)?.close();
        scripted.delete(payload.url);
        return true;
      }
      const proxy = proxies.get(payload?.url);
      if (command === 'pulse-proxy-stats') return proxy?.stats();
      if (command === 'pulse-proxy-stall') return proxy?.stall() ?? true;
      if (command === 'pulse-proxy-drop') return proxy?.drop() ?? true;
      if (command === 'pulse-proxy-stop') {
        proxies.delete(payload.url);
        await proxy?.close();
        return true;
      }
      return undefined;
    },
    async serverStop() {
      await tabs.closeAll();
      await Promise.all(
        [...servers.values(), ...proxies.values(), ...scripted.values()].map((s) => s.close()),
      );
      servers.clear();
      proxies.clear();
      scripted.clear();
    },
  };
}
