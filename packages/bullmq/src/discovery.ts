import type { Redis } from 'ioredis';

/** `*`, `?`, `[`, `]` and `\` in a prefix matched literally by SCAN's glob. */
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, '\\$&');

/**
 * The queues under `prefix`: every `<prefix>:<name>:meta` key (BullMQ writes
 * it when a Queue is created and when a job is added). A name with `:` is not
 * a queue (BullMQ refuses such names) but some other key that happens to match.
 */
export async function scanQueues(client: Redis, prefix: string): Promise<string[]> {
  const names = new Set<string>();
  const head = `${prefix}:`;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(head)}*:meta`, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const name = key.slice(head.length, -':meta'.length);
      if (name.length > 0 && !name.includes(':')) names.add(name);
    }
  } while (cursor !== '0');
  return [...names].sort();
}
