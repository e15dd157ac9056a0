// A web-test-runner plugin that lets browser tests start and stop real
// Pulseboard servers in the runner's Node process (over real sockets), through
// `executeServerCommand('pulse-server-start', config)` from @web/test-runner-commands.
// It also runs TCP proxies in front of them, so a test can break the network
// for real: drop every connection, or stall them (a half-open socket).
import { createConnection, createServer } from 'node:net';
import { tsImport } from 'tsx/esm/api';

/** A TCP proxy to `target` (http://host:port) that can drop or stall the connections through it. */
async function startProxy(target) {
  const { hostname, port } = new URL(target);
  /** @type {Set<{ client: import('node:net').Socket, upstream: import('node:net').Socket }>} */
  const pairs = new Set();
  let connections = 0;
  const server = createServer((client) => {
    connections++;
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
    stats: () => ({ connections, open: pairs.size }),
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

export function pulseServerPlugin() {
  /** @type {Map<string, { close(): Promise<void> }>} */
  const servers = new Map();
  /** @type {Map<string, Awaited<ReturnType<typeof startProxy>>>} */
  const proxies = new Map();
  let serverModule;
  const load = async () => {
    serverModule ??= await tsImport('../../server/src/index.ts', import.meta.url);
    return serverModule;
  };

  return {
    name: 'pulse-server',
    async executeCommand({ command, payload }) {
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
      await Promise.all([...servers.values(), ...proxies.values()].map((s) => s.close()));
      servers.clear();
      proxies.clear();
    },
  };
}
