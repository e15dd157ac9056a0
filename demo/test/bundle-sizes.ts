import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from '../root.js';

/** Raw and gzip sizes of the two script-tag bundles, as built (`npm run build`); `file` is relative to the root. */
export function bundleSizes(): { file: string; bytes: number; gzip: number }[] {
  return ['pulseboard.js', 'pulseboard.iife.js'].map((name) => {
    const file = `packages/widgets/dist/${name}`;
    const bytes = readFileSync(join(root, file));
    return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
}
