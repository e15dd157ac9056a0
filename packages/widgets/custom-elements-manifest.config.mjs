// `custom-elements-manifest analyze` reads the elements' JSDoc (field comments, @fires, @csspart, @cssprop,
// @slot) into custom-elements.json, which package.json lists under `customElements` for editors and framework
// tooling, and writes the VS Code custom data and JetBrains web-types made from it into dist/.
import { readdirSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { customElementJetBrainsPlugin } from 'custom-element-jet-brains-integration';
import { customElementVsCodePlugin } from 'custom-element-vs-code-integration';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));

/**
 * The tags are registered through `register(tag, element)` in src/define/*.ts,
 * which the analyzer cannot follow; this reads those calls and marks each class
 * as the custom element it is, with a `custom-element-definition` export on the
 * define module that registers it.
 */
function tagsFromDefine() {
  const dir = new URL('./src/define/', import.meta.url);
  const tags = new Map();
  for (const file of readdirSync(dir)) {
    const source = readFileSync(new URL(file, dir), 'utf8');
    for (const m of source.matchAll(/\bregister\('([a-z][\w-]*-[\w-]*)',\s*(\w+)\)/g))
      tags.set(m[2], { tag: m[1], module: `src/define/${file}` });
  }
  return {
    name: 'pulseboard-tags-from-define',
    packageLinkPhase({ customElementsManifest }) {
      const definitions = new Map();
      for (const mod of customElementsManifest.modules) {
        for (const declaration of mod.declarations ?? []) {
          const found = tags.get(declaration.name);
          if (!found) continue;
          declaration.tagName = found.tag;
          declaration.customElement = true;
          definitions.set(found.module, {
            kind: 'custom-element-definition',
            name: found.tag,
            declaration: { name: declaration.name, module: mod.path },
          });
        }
      }
      for (const mod of customElementsManifest.modules) {
        const definition = definitions.get(mod.path);
        // The analyzer reads `customElements.define(tag, element)` in register() as a tag named "tag".
        if (definition || mod.path === 'src/define/register.ts')
          mod.exports = [
            ...(mod.exports ?? []).filter((e) => e.kind !== 'custom-element-definition'),
            ...(definition ? [definition] : []),
          ];
      }
    },
  };
}

/**
 * Names the events dispatched as `this.dispatchEvent(new SelectEvent(…))`.
 * The analyzer takes an event's name from the constructor's first argument,
 * which only works for `new Event('name')`; ours are classes that carry their
 * name as `static eventName`, so it listed each without a name beside the
 * same event named by `@fires`. This names them from that field, and merges
 * them into the `@fires` entry (which has the description) when there is one.
 */
function eventNamesFromClasses() {
  const names = new Map();
  return {
    name: 'pulseboard-event-names',
    collectPhase({ ts, node }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      for (const member of node.members) {
        const isStatic = member.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword);
        if (
          isStatic &&
          member.name?.getText() === 'eventName' &&
          ts.isStringLiteral(member.initializer ?? {})
        ) {
          names.set(node.name.text, member.initializer.text);
        }
      }
    },
    moduleLinkPhase({ moduleDoc }) {
      for (const declaration of moduleDoc.declarations ?? []) {
        if (!declaration.events) continue;
        declaration.events = declaration.events.flatMap((event) => {
          const name = event.name ?? names.get(event.type?.text);
          if (!name) return [event];
          const documented = declaration.events.find((e) => e !== event && e.name === name);
          return documented && !event.name ? [] : [{ ...event, name }];
        });
      }
    },
  };
}

/**
 * Lists constructor parameter properties (`constructor(readonly level: Level)`)
 * as fields, with their JSDoc: the analyzer skips them, and they are the
 * payload of every event class.
 */
function parameterProperties() {
  const visible = (ts, param) =>
    param.modifiers?.some(
      (m) => m.kind === ts.SyntaxKind.ReadonlyKeyword || m.kind === ts.SyntaxKind.PublicKeyword,
    ) &&
    !param.modifiers.some(
      (m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword,
    );
  return {
    name: 'pulseboard-parameter-properties',
    analyzePhase({ ts, node, moduleDoc }) {
      if (!ts.isClassDeclaration(node) || !node.name) return;
      const declaration = moduleDoc.declarations?.find((d) => d.name === node.name.text);
      const ctor = node.members.find((m) => ts.isConstructorDeclaration(m));
      if (!declaration || !ctor) return;
      for (const param of ctor.parameters) {
        if (!visible(ts, param)) continue;
        const description = (param.jsDoc ?? [])
          .map((doc) => ts.getTextOfJSDocComment(doc.comment) ?? '')
          .join('\n');
        declaration.members = [
          ...(declaration.members ?? []),
          {
            kind: 'field',
            name: param.name.getText(),
            ...(param.type && { type: { text: param.type.getText() } }),
            ...(param.modifiers.some((m) => m.kind === ts.SyntaxKind.ReadonlyKeyword) && { readonly: true }),
            ...(description && { description }),
          },
        ];
      }
    },
  };
}

/**
 * Gives each attribute an `expandedType`: what its value may be, as text. The
 * fields' types name aliases (`HealthCardsSort`, protocol's `LogLevel`) and
 * arrays, which the editor data plugins would offer as values; TypeScript's
 * checker resolves them: a union of string literals stays one (the values
 * editors complete), numbers and booleans say so, anything else is a string.
 */
function attributeValueTypes() {
  let ts;
  return {
    name: 'pulseboard-attribute-value-types',
    initialize({ ts: api }) {
      ts = api;
    },
    packageLinkPhase({ customElementsManifest }) {
      const file = (mod) => fileURLToPath(new URL(mod.path, import.meta.url));
      const program = ts.createProgram(customElementsManifest.modules.map(file), {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        strict: true,
        skipLibCheck: true,
        types: [],
      });
      const checker = program.getTypeChecker();
      const text = (type) => {
        const parts = type.isUnion() ? type.types : [type];
        if (parts.every((t) => t.isStringLiteral())) return parts.map((t) => `'${t.value}'`).join(' | ');
        if (type.flags & ts.TypeFlags.NumberLike) return 'number';
        return type.flags & ts.TypeFlags.BooleanLike ? 'boolean' : 'string';
      };
      for (const mod of customElementsManifest.modules) {
        const source = program.getSourceFile(file(mod));
        for (const declaration of mod.declarations ?? []) {
          const node = source?.statements.find(
            (s) => ts.isClassDeclaration(s) && s.name?.text === declaration.name,
          );
          if (!node || !declaration.attributes) continue;
          const element = checker.getTypeAtLocation(node);
          for (const attribute of declaration.attributes) {
            const field = element.getProperty(attribute.fieldName ?? '');
            if (!field) continue;
            attribute.expandedType = {
              text: text(checker.getNonNullableType(checker.getTypeOfSymbol(field))),
            };
          }
        }
      }
    },
  };
}

/**
 * Points every module at what the package ships: `src/x.ts` becomes
 * `dist/x.js` (its types are `dist/x.d.ts`), in module paths and in every
 * reference to a module (superclasses, inherited members, exports), which the
 * analyzer also writes as `/src/x.js`, or relative to the module that
 * re-exports (`./x.js`). A superclass it could not find, a global like
 * `Event`, it refers to the subclass's own module: that becomes the schema's
 * `package: "global:"`. Runs before the editor data plugins, which copy these
 * paths.
 */
function shippedPaths() {
  const toDist = (path, from) =>
    (path.startsWith('.') ? posix.join(posix.dirname(from), path) : path).replace(
      /^\/?src\/(.*)\.[jt]s$/,
      'dist/$1.js',
    );
  const rewrite = (value, from) => {
    if (Array.isArray(value)) for (const child of value) rewrite(child, from);
    else if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value)) {
        if ((key === 'path' || key === 'module') && typeof child === 'string')
          value[key] = toDist(child, from);
        else rewrite(child, from);
      }
    }
  };
  return {
    name: 'pulseboard-shipped-paths',
    packageLinkPhase({ customElementsManifest }) {
      for (const mod of customElementsManifest.modules) {
        rewrite(mod, mod.path);
        for (const declaration of mod.declarations ?? []) {
          const base = declaration.superclass;
          if (base?.module === mod.path && !mod.declarations.some((d) => d.name === base.name)) {
            declaration.superclass = { name: base.name, package: 'global:' };
          }
        }
      }
    },
  };
}

/** The manifest's one field about the package, `readme`, from package.json. */
function packageReadme() {
  return {
    name: 'pulseboard-package-readme',
    packageLinkPhase({ customElementsManifest }) {
      customElementsManifest.readme = `# ${pkg.name} ${pkg.version}\n\n${pkg.description}\n\nLicense: ${pkg.license}.`;
    },
  };
}

/** `dist/dlq-monitor/dlq-monitor.js` → `@pulseboard/widgets/dlq-monitor.js`, the export that serves it. */
function importSpecifier(_name, modulePath) {
  const [entry] =
    Object.entries(pkg.exports).find(([, target]) => target.default === `./${modulePath}`) ?? [];
  return entry ? `${pkg.name}${entry.slice(1)}` : pkg.name;
}

/**
 * What a tag's hover shows besides its summary: events, slots and parts. Not
 * the methods (the elements' public API is properties and events; the list
 * would be the protected hooks as blank lines), nor the CSS properties: the
 * plugins print each one's default, which most do not have (light and dark
 * differ), as "default: undefined"; they come with descriptions in the CSS
 * data and in web-types' CSS section instead.
 */
const editorDocs = {
  hideLogs: true,
  hideMethodDocs: true,
  hideCssPropertiesDocs: true,
  typesSrc: 'expandedType',
};

export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/react/**'],
  outdir: '.',
  litelement: true,
  packagejson: true,
  plugins: [
    tagsFromDefine(),
    eventNamesFromClasses(),
    parameterProperties(),
    attributeValueTypes(),
    shippedPaths(),
    packageReadme(),
    // VS Code reads custom data only from settings (`html.customData`, `css.customData`), not from packages:
    // docs/embedding.md gives the paths. JetBrains IDEs find web-types through package.json's `web-types`.
    customElementVsCodePlugin({ ...editorDocs, outdir: 'dist' }),
    customElementJetBrainsPlugin({ ...editorDocs, outdir: 'dist', modulePathTemplate: importSpecifier }),
  ],
};
