import { test } from 'node:test';
import { openStream, startServer } from './helpers.ts';
test('close timing', async () => {
  const t = await startServer();
  const s = await openStream(t.url);
  s.close();
  await t.api.post('/api/workers', { id: 'x' });
  const s2 = await openStream(t.url);
  let start = performance.now();
  await t.close();
  console.log('close ms', performance.now() - start, s2.of('reconnect').length);
});
