/**
 * The BroadcastChannel (and lock) name for one stream: tabs share a
 * connection only when they show the same stream with the same credentials.
 * The token goes into a hash so that the name, which every script of the
 * origin can see, does not reveal it; it never travels over the channel.
 */
export function channelName(stream: {
  src: string;
  token: string | null;
  types: readonly string[] | null;
  workers: readonly string[] | null;
}): string {
  const src = new URL(stream.src, globalThis.location?.href).href;
  return `pulseboard:${hash(JSON.stringify([src, stream.token, stream.types, stream.workers]))}`;
}

/** cyrb53: a fast 53-bit string hash; collisions between a page's few streams are negligible. */
function hash(text: string): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}
