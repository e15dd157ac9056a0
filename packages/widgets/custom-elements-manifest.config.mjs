// `custom-elements-manifest analyze` reads the elements' JSDoc (@attr, @fires,
// @csspart, @cssprop, @slot) into custom-elements.json, which package.json
// lists under `customElements` for editors and framework tooling.
import { readFileSync } from 'node:fs';

/**
 * The tags are registered in a loop in src/define.ts, which the analyzer
 * cannot follow; this reads that list and marks each class as the custom
 * element it is, with a `custom-element-definition` export on define.js.
 */
function tagsFromDefine() {
  const source = readFileSync(new URL('./src/define.ts', import.meta.url), 'utf8');
  const tags = new Map([...source.matchAll(/\['([a-z][\w-]*-[\w-]*)',\s*(\w+)\]/g)].map((m) => [m[2], m[1]]));
  return {
    name: 'pulseboard-tags-from-define',
    packageLinkPhase({ customElementsManifest }) {
      const definitions = [];
      for (const mod of customElementsManifest.modules) {
        for (const declaration of mod.declarations ?? []) {
          const tag = tags.get(declaration.name);
          if (!tag) continue;
          declaration.tagName = tag;
          declaration.customElement = true;
          definitions.push({
            kind: 'custom-element-definition',
            name: tag,
            declaration: { name: declaration.name, module: mod.path },
          });
        }
      }
      const define = customElementsManifest.modules.find((mod) => mod.path === 'src/define.ts');
      // The analyzer reads the loop's `customElements.define(tag, element)` as a tag named "tag".
      if (define) {
        define.exports = [
          ...(define.exports ?? []).filter((e) => e.kind !== 'custom-element-definition'),
          ...definitions,
        ];
      }
    },
  };
}

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/react/**'],
  outdir: '.',
  litelement: true,
  packagejson: true,
  plugins: [tagsFromDefine()],
};
