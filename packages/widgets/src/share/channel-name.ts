import type { TransportOptions } from '../transport/transport.js';

/**
 * The BroadcastChannel (and lock) name for one stream: tabs share a
 * connection only when they show the same stream with the same credentials.
 * The address and filters are in the name as they are; the token only as a
 * hash, so that the name, which every script of the origin can see, does not
 * reveal it (it never travels over the channel either).
 */
export function channelName(
  src: string,
  { token, types, workers }: Pick<TransportOptions, 'token' | 'types' | 'workers'>,
): string {
  const url = new URL(src, globalThis.location?.href).href;
  return `pulseboard:${hash(token ?? '')}:${JSON.stringify([url, types, workers])}`;
}

/**
 * FNV-1a (32 bits). Only tokens for one and the same stream could collide, and every read token
 * sees that stream whole, so a collision would share nothing a tab could not read itself.
 */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
