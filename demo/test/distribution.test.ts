/**
 * The npm package and the script-tag bundles as built by `npm run build`
 * (`npm test` builds them first): the size budget and each element's share,
 * ASCII-only bundles, the export map, the side-effect promise, the custom
 * elements manifest and the editor data made from it.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleShares } from '../../bench/lib/bundle-shares.js';
import { root } from '../root.js';
import { bundleSizes } from './bundle-sizes.js';

const widgets = join(root, 'packages/widgets');
const pkg = JSON.parse(readFileSync(join(widgets, 'package.json'), 'utf8'));
const TAGS = ['sse-connection', 'health-cards', 'system-metrics', 'dlq-monitor', 'queues-view', 'logs-view'];
/** The events each tag fires (pulse-select from every element that shows a selection or clears it). */
const FIRES: Record<string, string[]> = {
  'sse-connection': ['pulse-connection-change'],
  'health-cards': ['pulse-action', 'pulse-select'],
  'system-metrics': ['pulse-select'],
  'dlq-monitor': ['pulse-action', 'pulse-select', 'pulse-threshold-change'],
  'queues-view': ['pulse-action', 'pulse-select'],
  'logs-view': ['pulse-select'],
};

interface Described {
  name: string;
  description?: string;
}
interface ManifestDeclaration extends Described {
  tagName?: string;
  attributes?: Described[];
  events?: Described[];
  members?: (Described & { kind: string; privacy?: string })[];
  cssParts?: Described[];
  cssProperties?: Described[];
}
const manifest = JSON.parse(readFileSync(join(widgets, pkg.customElements), 'utf8'));
const declarations: ManifestDeclaration[] = manifest.modules.flatMap(
  (mod: { declarations?: ManifestDeclaration[] }) => mod.declarations ?? [],
);
/** The budget for the whole library, lit and @lit/context included (docs/benchmarks.md, "Size"): 40 KB since issue 13. */
const BUDGET_BYTES = 40 * 1024;

describe('the widgets distribution', () => {
  it('keeps the whole library, lit included, within its 40 KB gzip budget, and says where the bytes are', () => {
    for (const { file, bytes, gzip } of bundleSizes()) {
      const size = `${file}: ${gzip.toLocaleString('en')} B gzip (${(bytes / 1024).toFixed(1)} KB raw)`;
      const margin =
        gzip <= BUDGET_BYTES
          ? `${(BUDGET_BYTES - gzip).toLocaleString('en')} B under`
          : `${(gzip - BUDGET_BYTES).toLocaleString('en')} B over`;
      process.stdout.write(`  ${size}, ${margin} the 40 KB budget\n`);
      assert.ok(gzip <= BUDGET_BYTES, `${size} is ${margin} the 40 KB gzip budget`);
    }
    // Each element's share (and lit's, and the shared code's), from the ES bundle's source map.
    const { file, gzip } = bundleSizes()[0]!;
    const code = readFileSync(join(root, file), 'utf8');
    const groups = bundleShares(code, JSON.parse(readFileSync(join(root, `${file}.map`), 'utf8')));
    const total = [...groups.values()].reduce((a, b) => a + b, 0);
    for (const tag of TAGS) assert.ok(groups.get(`<${tag}>`), `no bytes of <${tag}> in the bundle`);
    for (const [group, bytes] of [...groups].sort((a, b) => b[1] - a[1])) {
      const share = `${((gzip * bytes) / total / 1024).toFixed(1)} KB gzip`;
      process.stdout.write(
        `    ${group}: ${share} (${((bytes / total) * 100).toFixed(0)}% of the minified bytes)\n`,
      );
    }
  });

  it('bundles lit and @lit/context into self-registering files', () => {
    for (const file of ['pulseboard.js', 'pulseboard.iife.js']) {
      const code = readFileSync(join(widgets, 'dist', file), 'utf8');
      assert.doesNotMatch(code, /\bfrom\s*["'][^./]/, `${file} imports a package at runtime`);
      assert.doesNotMatch(code, /\bimport\(/, `${file} loads a chunk at runtime`);
      assert.match(code, /customElements\.define/);
      assert.match(code, /context-request/, `${file} lacks @lit/context`);
    }
  });

  it('keeps the bundles ASCII-only, so a page in any charset reads them right', () => {
    for (const file of ['pulseboard.js', 'pulseboard.iife.js']) {
      const bytes = readFileSync(join(widgets, 'dist', file));
      const at = bytes.findIndex((byte) => byte > 0x7f);
      assert.equal(at, -1, `${file} has a non-ASCII byte at ${at}: ${bytes.subarray(at - 40, at + 10)}`);
    }
  });

  it('points every export at a built file with its types', () => {
    for (const [entry, target] of Object.entries(
      pkg.exports as Record<string, string | Record<string, string>>,
    )) {
      const files = typeof target === 'string' ? [target] : Object.values(target);
      for (const file of files) assert.ok(existsSync(join(widgets, file)), `${entry} → ${file} is missing`);
    }
    for (const tag of TAGS) assert.ok(pkg.exports[`./${tag}.js`], `no export for ${tag}`);
    for (const tag of TAGS) assert.ok(pkg.exports[`./define/${tag}.js`].types, `no define entry for ${tag}`);
    for (const entry of ['.', './define.js', './react'])
      assert.ok(pkg.exports[entry].types, `${entry} has no types`);
  });

  it('keeps `.` and the per-element entries free of side effects; only the define entries and the bundles register tags', () => {
    const registering: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith('.js') && readFileSync(path, 'utf8').includes('customElements.define(')) {
          registering.push(path.slice(widgets.length + 1));
        }
      }
    };
    walk(join(widgets, 'dist'));
    // define.js and define/<tag>.js register through define/register.js.
    assert.deepEqual(registering.sort(), [
      'dist/define/register.js',
      'dist/pulseboard.iife.js',
      'dist/pulseboard.js',
    ]);
    assert.deepEqual([...pkg.sideEffects].sort(), [
      './dist/define.js',
      './dist/define/*.js',
      './dist/pulseboard.iife.js',
      './dist/pulseboard.js',
    ]);
  });

  it('ships custom-elements.json with every tag, its attributes, events, parts and CSS properties', () => {
    for (const tag of TAGS) {
      const element = declarations.find((d) => d.tagName === tag);
      assert.ok(element, `${tag} is not in the manifest`);
      assert.ok(element.attributes?.length, `${tag} has no attributes in the manifest`);
      if (tag !== 'sse-connection') {
        assert.ok(element.cssParts?.length, `${tag} has no CSS parts`);
        assert.ok(element.cssProperties?.length, `${tag} has no CSS properties`);
      }
    }
    assert.match(
      manifest.readme,
      new RegExp(`^# ${pkg.name} ${pkg.version}\\b`),
      'the manifest names the package',
    );
  });

  it("points the manifest's modules and references at shipped JavaScript with its types", () => {
    const paths = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(collect);
      else if (value && typeof value === 'object') {
        for (const [key, child] of Object.entries(value)) {
          if ((key === 'path' || key === 'module') && typeof child === 'string') paths.add(child);
          else collect(child);
        }
      }
    };
    collect(manifest.modules);
    assert.ok(paths.size > TAGS.length, 'no module paths in the manifest');
    for (const path of paths) {
      assert.match(path, /^dist\/.*\.js$/, `${path} is not a shipped module`);
      assert.ok(existsSync(join(widgets, path)), `${path} does not exist`);
      assert.ok(existsSync(join(widgets, path.replace(/\.js$/, '.d.ts'))), `${path} has no .d.ts`);
    }
  });

  it('names every event the elements fire, on each element that fires it, with a description', () => {
    for (const declaration of declarations) {
      for (const event of declaration.events ?? []) {
        assert.ok(event.name, `${declaration.name} has an event without a name: ${JSON.stringify(event)}`);
        assert.ok(event.description, `${declaration.name}'s ${event.name} has no description`);
      }
    }
    const fired = (tag: string) =>
      declarations
        .find((d) => d.tagName === tag)
        ?.events?.map((e) => e.name)
        .sort();
    for (const tag of TAGS) assert.deepEqual(fired(tag), FIRES[tag], `${tag}'s events`);
    // Every event class in the sources (`static readonly eventName = '…'`) is one of them.
    const declared = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else
          for (const m of readFileSync(path, 'utf8').matchAll(/static readonly eventName = '([\w-]+)'/g))
            declared.add(m[1]!);
      }
    };
    walk(join(widgets, 'src'));
    assert.deepEqual([...declared].sort(), [...new Set(Object.values(FIRES).flat())].sort());
  });

  it('describes every public property and attribute in the manifest', () => {
    const undescribed = declarations.flatMap((d) => [
      ...(d.members ?? [])
        .filter(
          (m) => m.kind === 'field' && m.privacy !== 'private' && m.privacy !== 'protected' && !m.description,
        )
        .map((m) => `${d.name}.${m.name}`),
      ...(d.attributes ?? []).filter((a) => !a.description).map((a) => `${d.name} [${a.name}]`),
    ]);
    assert.deepEqual(undescribed, []);
  });

  it('ships VS Code custom data and JetBrains web-types listing every tag, made from the manifest', () => {
    const read = (file: string) => JSON.parse(readFileSync(join(widgets, file), 'utf8'));
    const html = read('dist/vscode.html-custom-data.json');
    const css = read('dist/vscode.css-custom-data.json');
    assert.ok(pkg['web-types'], 'package.json has no `web-types` field');
    const webTypes = read(pkg['web-types']);
    assert.equal(webTypes.name, pkg.name);
    assert.equal(webTypes.version, pkg.version);
    const elements = webTypes.contributions.html.elements as { name: string; events: { name: string }[] }[];
    for (const tag of TAGS) {
      const manifestTag = declarations.find((d) => d.tagName === tag)!;
      const attributes = manifestTag.attributes!.map((a) => a.name).sort();
      const vscode = html.tags.find((t: { name: string }) => t.name === tag);
      assert.ok(vscode, `${tag} is not in the VS Code custom data`);
      assert.deepEqual(vscode.attributes.map((a: { name: string }) => a.name).sort(), attributes);
      const jetbrains = elements.find((e) => e.name === tag);
      assert.ok(jetbrains, `${tag} is not in web-types`);
      assert.deepEqual(jetbrains.events.map((e) => e.name).sort(), FIRES[tag]);
    }
    // Attribute values editors complete: the union behind an alias, not the alias's name.
    const sort = html.tags
      .find((t: { name: string }) => t.name === 'health-cards')
      .attributes.find((a: { name: string }) => a.name === 'sort');
    assert.deepEqual(sort.values.map((v: { name: string }) => v.name).sort(), ['name', 'status']);
    const cssNames = css.properties.map((p: { name: string }) => p.name);
    for (const name of ['--pulse-color-bg', '--pulse-color-accent', '--pulse-log-height'])
      assert.ok(cssNames.includes(name), `${name} is not in the VS Code CSS data`);
  });
});
