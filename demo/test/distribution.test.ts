/**
 * The npm package and the script-tag bundles as built by `npm run build`
 * (`npm test` builds them first): the size budget, the export map, the
 * side-effect promise and the custom elements manifest.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bundleSizes, root } from '../build.js';

const widgets = join(root, 'packages/widgets');
const pkg = JSON.parse(readFileSync(join(widgets, 'package.json'), 'utf8'));
const TAGS = ['sse-connection', 'health-cards', 'system-metrics', 'dlq-monitor', 'queues-view', 'logs-view'];
/** Issue 4's budget for the whole library, lit and @lit/context included (docs/benchmarks.md, "Size"). */
const BUDGET_BYTES = 30 * 1024;

describe('the widgets distribution', () => {
  it('keeps the whole library, lit included, within its 30 KB gzip budget', () => {
    for (const { file, bytes, gzip } of bundleSizes()) {
      const size = `${file}: ${gzip.toLocaleString('en')} B gzip (${(bytes / 1024).toFixed(1)} KB raw)`;
      const margin =
        gzip <= BUDGET_BYTES ? `${BUDGET_BYTES - gzip} B under` : `${gzip - BUDGET_BYTES} B over`;
      process.stdout.write(`  ${size}, ${margin} the 30 KB budget\n`);
      assert.ok(gzip <= BUDGET_BYTES, `${size} is ${margin} the 30 KB gzip budget`);
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

  it('points every export at a built file with its types', () => {
    for (const [entry, target] of Object.entries(
      pkg.exports as Record<string, string | Record<string, string>>,
    )) {
      const files = typeof target === 'string' ? [target] : Object.values(target);
      for (const file of files) assert.ok(existsSync(join(widgets, file)), `${entry} → ${file} is missing`);
    }
    for (const tag of TAGS) assert.ok(pkg.exports[`./${tag}.js`], `no export for ${tag}`);
    for (const entry of ['.', './define.js', './react'])
      assert.ok(pkg.exports[entry].types, `${entry} has no types`);
  });

  it('keeps `.` and the per-element entries free of side effects; only define.js and the bundles register tags', () => {
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
    assert.deepEqual(registering.sort(), ['dist/define.js', 'dist/pulseboard.iife.js', 'dist/pulseboard.js']);
    assert.deepEqual([...pkg.sideEffects].sort(), [
      './dist/define.js',
      './dist/pulseboard.iife.js',
      './dist/pulseboard.js',
    ]);
  });

  it('ships custom-elements.json with every tag, its attributes, events, parts and CSS properties', () => {
    assert.equal(pkg.customElements, 'custom-elements.json');
    const manifest = JSON.parse(readFileSync(join(widgets, pkg.customElements), 'utf8'));
    const declarations = manifest.modules.flatMap(
      (mod: { declarations?: Record<string, unknown>[] }) => mod.declarations ?? [],
    );
    for (const tag of TAGS) {
      const element = declarations.find((d: { tagName?: string }) => d.tagName === tag);
      assert.ok(element, `${tag} is not in the manifest`);
      assert.ok(element.attributes?.length, `${tag} has no attributes in the manifest`);
      if (tag !== 'sse-connection') {
        assert.ok(element.cssParts?.length, `${tag} has no CSS parts`);
        assert.ok(element.cssProperties?.length, `${tag} has no CSS properties`);
      }
    }
    const events = declarations.flatMap((d: { events?: { name: string }[] }) => d.events ?? []);
    for (const name of ['pulse-connection-change', 'pulse-threshold-change']) {
      assert.ok(
        events.some((e: { name: string }) => e.name === name),
        `${name} is not in the manifest`,
      );
    }
  });
});
