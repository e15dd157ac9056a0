import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { createLogger, defineConfig, type Plugin } from 'vite';

const widgetsDist = fileURLToPath(new URL('../packages/widgets/dist/', import.meta.url));
const BUNDLES = ['pulseboard.js', 'pulseboard.iife.js', 'pulseboard.js.map', 'pulseboard.iife.js.map'];
const TAGS = new Set([
  'sse-connection',
  'health-cards',
  'system-metrics',
  'dlq-monitor',
  'queues-view',
  'logs-view',
]);

/**
 * Puts the script-tag bundles at the site root (`/pulseboard.iife.js`), as an
 * admin page would host them: served from packages/widgets/dist in dev,
 * copied into the build. The Drop-in page loads nothing else.
 */
function scriptTagBundles(): Plugin {
  return {
    name: 'pulseboard-script-tag-bundles',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.split('?')[0]?.slice(1) ?? '';
        if (!BUNDLES.includes(name) || !existsSync(widgetsDist + name)) return next();
        res.setHeader('content-type', name.endsWith('.map') ? 'application/json' : 'text/javascript');
        createReadStream(widgetsDist + name).pipe(res);
      });
    },
    generateBundle() {
      for (const fileName of BUNDLES) {
        this.emitFile({ type: 'asset', fileName, source: readFileSync(widgetsDist + fileName) });
      }
    },
  };
}

const navPartial = fileURLToPath(new URL('pages/nav.html', import.meta.url));

/**
 * The top bar the demo pages share (demo/pages/nav.html) goes where a page
 * says `<!-- pulse-nav -->`, with the page's own link marked
 * `aria-current="page"`. The Drop-in page has its own chrome and no placeholder.
 */
function sharedNav(): Plugin {
  return {
    name: 'pulseboard-shared-nav',
    transformIndexHtml(html, { filename }) {
      if (!html.includes('<!-- pulse-nav -->')) return html;
      const name = basename(filename);
      const href = name === 'index.html' ? './' : `./${name}`;
      const nav = readFileSync(navPartial, 'utf8')
        .trimEnd()
        .replace(`<a href="${href}">`, `<a href="${href}" aria-current="page">`);
      return html.replace(/^[ \t]*<!-- pulse-nav -->/m, () => nav);
    },
  };
}

// The Drop-in page's classic script is meant to stay unbundled; Vite's note about it is noise.
const logger = createLogger('warn');
const warn = logger.warn.bind(logger);
logger.warn = (message, options) => {
  if (!message.includes(`can't be bundled without type="module"`)) warn(message, options);
};

const backend = process.env.VITE_BACKEND_URL ?? 'http://localhost:8090';
const page = (name: string) => fileURLToPath(new URL(`pages/${name}.html`, import.meta.url));

/**
 * The demo pages, a Vite multi-page app. `npm start` builds them into
 * demo/dist and serves them from the Pulseboard server itself; `npm run dev`
 * serves them from Vite on 5173 and proxies the API and /events to
 * VITE_BACKEND_URL (default http://localhost:8090), so the pages use
 * same-origin URLs either way.
 */
export default defineConfig({
  root: fileURLToPath(new URL('pages', import.meta.url)),
  customLogger: logger,
  plugins: [
    react(),
    // Vue must leave the Pulseboard tags to the browser's custom element registry.
    vue({ template: { compilerOptions: { isCustomElement: (tag) => TAGS.has(tag) } } }),
    scriptTagBundles(),
    sharedNav(),
  ],
  server: {
    port: 5173,
    strictPort: true,
    proxy: Object.fromEntries(['/events', '/api', '/demo', '/healthz'].map((path) => [path, backend])),
  },
  build: {
    outDir: fileURLToPath(new URL('dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      // The timing report is about this machine's load, not about the build.
      checks: { bundlerTimings: false },
      input: {
        index: page('index'),
        'drop-in': page('drop-in'),
        react: page('react'),
        vue: page('vue'),
        theming: page('theming'),
        scale: page('scale'),
        bullmq: page('bullmq'),
      },
    },
  },
});
