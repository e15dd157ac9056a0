// A web-test-runner plugin that lets browser tests start and stop real
// Pulseboard servers in the runner's Node process (over real sockets), through
// `executeServerCommand('pulse-server-start', config)` from @web/test-runner-commands.
import { tsImport } from 'tsx/esm/api';

export function pulseServerPlugin() {
  /** @type {Map<string, { close(): Promise<void> }>} */
  const servers = new Map();
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
      return undefined;
    },
    async serverStop() {
      await Promise.all([...servers.values()].map((s) => s.close()));
      servers.clear();
    },
  };
}
