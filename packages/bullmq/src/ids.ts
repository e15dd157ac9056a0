import { createHash } from 'node:crypto';
import { LIMITS } from '@pulseboard/protocol';

/** Room left in an id for the adapter's own parts (`<adapter>:q:` and `:w:<client id>`). */
const PART_MAX = 64;

/**
 * A BullMQ queue name as a part of a Pulseboard id (`[A-Za-z0-9._:-]`): kept as
 * is when it fits, else its safe characters and a short hash of the whole name,
 * so two names that differ only in what was replaced still get two ids.
 */
export function idPart(name: string): string {
  if (name.length <= PART_MAX && LIMITS.idPattern.test(name)) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, PART_MAX - 11)}-${hash}`;
}

/** The Pulseboard queue a BullMQ queue is shown as: its name, shortened (with a hash) past the protocol's cap. */
export function queueLabel(name: string): string {
  if (name.length <= LIMITS.queueMax) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 10);
  return `${name.slice(0, LIMITS.queueMax - 12)}… ${hash}`;
}
