/** A BullMQ Worker's connection to Redis, as `CLIENT LIST` shows it (what `Queue.getWorkers()` reads). */
export interface WorkerConnection {
  /** Redis' client id: unique per server run. */
  clientId: string;
  /** The Worker's `name` option, or `''` when it has none. */
  workerName: string;
  addr: string;
  ageSec: number;
}

/**
 * The worker connections of each queue under `prefix`, from one `CLIENT LIST`
 * answer: BullMQ names a Worker's connection `<prefix>:<base64 of the queue
 * name>`, with `:w:<worker name>` when the Worker has a name (as
 * `Queue.getWorkers()` matches them). One `CLIENT LIST` for every queue, where
 * `getWorkers()` would run one per queue.
 */
export function workerConnections(clientList: string, prefix: string): Map<string, WorkerConnection[]> {
  const byQueue = new Map<string, WorkerConnection[]>();
  const head = `${prefix}:`;
  for (const line of clientList.split(/\r?\n/)) {
    const fields = new Map<string, string>();
    for (const pair of line.split(' ')) {
      const at = pair.indexOf('=');
      if (at > 0) fields.set(pair.slice(0, at), pair.slice(at + 1));
    }
    const name = fields.get('name') ?? '';
    if (!name.startsWith(head)) continue;
    const rest = name.slice(head.length);
    const colon = rest.indexOf(':');
    const encoded = colon === -1 ? rest : rest.slice(0, colon);
    const suffix = colon === -1 ? '' : rest.slice(colon);
    // `:qe` is a QueueEvents connection, anything else not a Worker's.
    if (suffix !== '' && !suffix.startsWith(':w:')) continue;
    const queue = Buffer.from(encoded, 'base64').toString();
    if (Buffer.from(queue).toString('base64') !== encoded) continue;
    const list = byQueue.get(queue) ?? [];
    list.push({
      clientId: fields.get('id') ?? '',
      workerName: suffix.slice(':w:'.length),
      addr: fields.get('addr') ?? '',
      ageSec: Number(fields.get('age') ?? 0),
    });
    byQueue.set(queue, list);
  }
  return byQueue;
}
