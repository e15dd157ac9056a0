import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';
import { defineConfig, type Plugin } from 'vite';

/**
 * `·` → `\u00b7`: the minifier's `charset: 'ascii'` escapes every string but
 * the static parts of tagged templates, whose raw text a tag may read. Lit's
 * `html` and `css` read the cooked text, where an escape is the character it
 * stands for, so these plugins escape what they rewrite. A classic script is
 * decoded in the page's charset: UTF-8 bytes on a page without
 * `<meta charset>` read `·` as `Â·`.
 */
export const escapeNonAscii = (text: string) =>
  text.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * Shrinks the static text of lit `css` tagged templates: comments go,
 * whitespace collapses, the spaces around `{ } ; ,` and after `:` drop, and so
 * do leading zeros, the spaces around `/` and before `!`, the quotes of
 * one-word attribute values in selectors and the repeats of `#ffffff`.
 * Interpolations (`${tokens}`) are kept as they are. The styles carry no
 * strings where those characters matter, so this cannot change their meaning;
 * it saves about a fifth of the bundle's raw size.
 */
export function minifyCssLiterals(): Plugin {
  const squeeze = (text: string) =>
    escapeNonAscii(text)
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\s+/g, ' ')
      .replace(/\s*([{};,])\s*/g, '$1')
      .replace(/:\s+/g, ':')
      .replace(/;}/g, '}')
      // `0.5` → `.5`; `[data-state='open']` → `[data-state=open]` (a value that is one identifier needs no quotes).
      .replace(/([\s:,(])0\.(\d)/g, '$1.$2')
      .replace(/\[([\w-]+)='([a-z][\w-]*)'\]/g, '[$1=$2]')
      // `0 0 / 200%` → `0 0/200%`, `1px !important` → `1px!important`, `#ffffff` → `#fff`.
      .replace(/ ?\/ /g, '/')
      .replace(/ !/g, '!')
      .replace(/#([\da-f])\1([\da-f])\2([\da-f])\3\b/gi, '#$1$2$3');
  return {
    name: 'pulseboard-minify-css-literals',
    transform(code, id) {
      if (!id.endsWith('.js')) return null;
      let out = '';
      let from = 0;
      // tsc writes the tag as `css \``.
      const tag = /\bcss ?`/g;
      for (let match = tag.exec(code); match; match = tag.exec(code)) {
        let i = match.index + match[0].length;
        out += code.slice(from, i);
        // The spaces at the template's two ends go too; those next to an interpolation stay.
        let chunk = '';
        let first = true;
        while (i < code.length && code[i] !== '`') {
          if (code[i] === '\\') {
            chunk += code.slice(i, i + 2);
            i += 2;
          } else if (code.startsWith('${', i)) {
            const end = code.indexOf('}', i);
            const text = squeeze(chunk);
            out += `${first ? text.trimStart() : text}${code.slice(i, end + 1)}`;
            chunk = '';
            first = false;
            i = end + 1;
          } else {
            chunk += code[i++];
          }
        }
        const text = squeeze(chunk).trimEnd();
        out += `${first ? text.trimStart() : text}\``;
        from = i + 1;
        tag.lastIndex = from;
      }
      return from === 0 ? null : { code: out + code.slice(from), map: null };
    },
  };
}

/**
 * Collapses the layout whitespace of lit `html` tagged templates: every run of
 * whitespace that holds a line break becomes one space. HTML renders such a run
 * as one space anyway (no template uses `<pre>` or `white-space: pre`), so the
 * DOM's text may differ only in whitespace no one sees; attribute values and
 * interpolations are kept as they are.
 */
interface TemplateNode {
  type?: string;
  tag?: { type: string; name?: string };
  quasi?: { quasis: { start: number; value: { raw: string } }[] };
}

export function minifyHtmlLiterals(): Plugin {
  return {
    name: 'pulseboard-minify-html-literals',
    transform(code, id) {
      if (!id.endsWith('.js') || !code.includes('html `')) return null;
      const edits: [start: number, end: number, text: string][] = [];
      const visit = (node: unknown): void => {
        if (!node || typeof node !== 'object') return;
        if (Array.isArray(node)) {
          for (const child of node) visit(child);
          return;
        }
        const n = node as TemplateNode;
        if (n.type === 'TaggedTemplateExpression' && n.tag?.type === 'Identifier' && n.tag.name === 'html') {
          const state = { tag: false, quote: '' };
          for (const { start, value } of n.quasi?.quasis ?? []) {
            // Spans are UTF-16 offsets; leave the rest of a template alone if they do not line up with its text.
            if (code.slice(start, start + value.raw.length) !== value.raw) break;
            edits.push([start, start + value.raw.length, escapeNonAscii(collapseMarkup(value.raw, state))]);
          }
        }
        for (const [key, child] of Object.entries(n)) if (key !== 'type') visit(child);
      };
      visit(this.parse(code));
      if (!edits.length) return null;
      let out = code;
      for (const [start, end, text] of edits.sort((a, b) => b[0] - a[0]))
        out = out.slice(0, start) + text + out.slice(end);
      return { code: out, map: null };
    },
  };
}

/**
 * Whitespace runs holding a line break become one space, except inside quoted
 * attribute values; one right before a tag's `>` goes; and a static attribute
 * value that needs no quotes loses them (`class="dot"` → `class=dot`; not one
 * with a space, a quote, a binding or a `/` after it). `state` carries the position (in a tag? in a quoted
 * value?) from one static part of a template to the next.
 */
export function collapseMarkup(raw: string, state: { tag: boolean; quote: string }): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]!;
    if (state.quote) {
      if (ch === state.quote) state.quote = '';
    } else if (state.tag && (ch === '"' || ch === "'")) state.quote = ch;
    else if (state.tag && ch === '=') {
      const value = /^(["'])([\w.:#%-]+)\1(?=[\s>])/.exec(raw.slice(i + 1));
      if (value) {
        out += `=${value[2]}`;
        i += value[0].length;
        continue;
      }
    } else if (ch === '<' && /[a-zA-Z/!]/.test(raw[i + 1] ?? '')) state.tag = true;
    else if (ch === '>') state.tag = false;
    else if (/\s/.test(ch)) {
      const run = /^\s+/.exec(raw.slice(i))![0];
      // Inside a tag, the space before its `>` goes (`<span class=a >` → `<span class=a>`). Not before `/>`:
      // `a=${x}/>` would make the `/` part of an unquoted value.
      if (state.tag && raw[i + run.length] === '>' && !/[/=]$/.test(out)) {
        i += run.length - 1;
        continue;
      }
      if (run.includes('\n')) {
        out += ' ';
        i += run.length - 1;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

/** The private custom properties (`--_*`, see styles/tokens.ts) in `code`. */
const PRIVATE_PROPERTY = /--_[a-zA-Z][\w-]*/g;

/**
 * Gives each private custom property (`--_border`, `--_muted`, …) a one- or two-letter name (`--_a`), the most
 * used the shortest, in every module: about 90 B gzip. They are private to the elements' shadow roots (hosts
 * theme through `--pulse-*`, which stay as they are), so no page reads them by name. The names are counted
 * over all of tsc's output before the build, so every module gets the same table whatever order they come in.
 */
export function shortenPrivateProperties(dir: string): Plugin {
  const table = new Map<string, string>();
  return {
    name: 'pulseboard-shorten-private-properties',
    buildStart() {
      const counts = new Map<string, number>();
      const walk = (folder: string): void => {
        for (const entry of readdirSync(folder, { withFileTypes: true })) {
          const path = join(folder, entry.name);
          if (entry.isDirectory()) walk(path);
          else if (entry.name.endsWith('.js') && !entry.name.startsWith('pulseboard.'))
            for (const [name] of readFileSync(path, 'utf8').matchAll(PRIVATE_PROPERTY))
              counts.set(name, (counts.get(name) ?? 0) + 1);
        }
      };
      walk(dir);
      const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
      const short = (i: number): string =>
        i < 52 ? letters[i]! : short(Math.floor(i / 52) - 1) + letters[i % 52];
      table.clear();
      const names = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
      for (const [i, [name]] of names.entries()) table.set(name, `--_${short(i)}`);
    },
    transform(code, id) {
      if (!id.endsWith('.js') || !code.includes('--_')) return null;
      return { code: code.replace(PRIVATE_PROPERTY, (name) => table.get(name) ?? name), map: null };
    },
  };
}

/**
 * A second minifier after the bundler's: terser over the code Oxc already
 * minified (~270 B gzip less; terser alone on the unminified bundle does worse
 * than Oxc). In `generateBundle`, since `renderChunk` runs before the
 * bundler's own minification. The source map, already an asset of the bundle,
 * is replaced by terser's chained onto it, so it still points at the sources.
 */
export function terserAfterMinify(): Plugin {
  return {
    name: 'pulseboard-terser-after-minify',
    async generateBundle(output, bundle) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk') continue;
        const mapAsset = bundle[`${chunk.fileName}.map`];
        const mapped = mapAsset?.type === 'asset' && chunk.map;
        const result = await minify(chunk.code, {
          module: output.format === 'es',
          // Statements left as statements rather than joined by commas: gzip finds more repeats (-21 B).
          compress: { passes: 2, sequences: false },
          format: { ascii_only: true, comments: false },
          // `url` writes the `//# sourceMappingURL` comment again (the bundler wrote one; `comments: false` drops it).
          sourceMap: mapped
            ? { content: JSON.stringify(chunk.map), includeSources: true, url: `${chunk.fileName}.map` }
            : false,
        });
        chunk.code = result.code!;
        if (mapped && typeof result.map === 'string')
          mapAsset.source = JSON.stringify({ ...JSON.parse(result.map), file: chunk.fileName });
      }
    },
  };
}

/**
 * The script-tag bundles: `dist/pulseboard.js` (ES module) and
 * `dist/pulseboard.iife.js` (classic script), each one self-registering file
 * with lit and @lit/context inside. The entry is tsc's output, not `src/`:
 * Vite 8 (Oxc) does not lower standard decorators, tsc does. Run
 * `tsc -p tsconfig.build.json` first (`npm run build` does).
 */
export default defineConfig({
  // Paths below are relative to this package, wherever the build is started from.
  root: fileURLToPath(new URL('.', import.meta.url)),
  logLevel: 'warn',
  plugins: [
    minifyCssLiterals(),
    minifyHtmlLiterals(),
    shortenPrivateProperties(fileURLToPath(new URL('dist', import.meta.url))),
    terserAfterMinify(),
  ],
  build: {
    outDir: 'dist',
    // tsc's output lives in dist/ too.
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: 'dist/define.js',
      name: 'Pulseboard',
      formats: ['es', 'iife'],
      fileName: (format) => (format === 'es' ? 'pulseboard.js' : 'pulseboard.iife.js'),
    },
    rolldownOptions: {
      // terser takes seconds (see terserAfterMinify): expected, not worth a warning on every build.
      checks: { bundlerTimings: false },
      output: {
        // Library builds are not minified by default.
        minify: true,
        // The minifier keeps `/* @__PURE__ */` marks (about 50 of them) though nothing reads them after it.
        comments: false,
        // One file per format: a script tag cannot know where lazy chunks live.
        codeSplitting: false,
        charset: 'ascii',
      },
    },
  },
});
