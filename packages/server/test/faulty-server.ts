/**
 * A server for tests that read its log (stdout, JSON lines): its storage fails
 * the way a real one did past its limits (a RangeError while listing workers)
 * while a worker named `poison` is registered, and hands back a worker that
 * cannot be serialized while one named `bigint` is. Prints its URL on stderr.
 */
import { createApp } from '../src/index.js';
import { createMemoryStorage } from '../src/store/memory.js';

const storage = createMemoryStorage({ replayWindow: 100, recentLogs: 10 });
const table = storage.store.workers;
const list = table.list.bind(table);
table.list = async () => {
  const rows = await list();
  if (rows.some((row) => row.worker.id === 'poison')) throw new RangeError('Invalid string length');
  return rows.map((row) =>
    row.worker.id === 'bigint'
      ? { ...row, worker: { ...row.worker, labels: { n: 1n as unknown as string } } }
      : row,
  );
};
const server = await createApp({ logLevel: 'info' }, storage);
const { url } = await server.listen({ port: 0, host: '127.0.0.1' });
process.stderr.write(`${url}\n`);
process.once('SIGTERM', () => server.close().then(() => process.exit(0)));
