import type { TransportOptions } from '../transport/transport.js';

/**
 * The BroadcastChannel (and lock) name for one stream: tabs share a
 * connection only when they show the same stream with the same credentials.
 * The token goes into a hash so that the name, which every script of the
 * origin can see, does not reveal it; it never travels over the channel.
 */
export function channelName(
  src: string,
  { token, types, workers }: Pick<TransportOptions, 'token' | 'types' | 'workers'>,
): string {
  const url = new URL(src, globalThis.location?.href).href;
  return `pulseboard:${hash(JSON.stringify([url, token, types, workers]))}`;
}

/** FNV-1a (32 bits): among a page's few streams a collision is negligible. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}
