/**
 * The script-tag bundles as an admin page uses them: a plain HTML document
 * (an iframe's whole srcdoc) with nothing but the built bundle and the tags,
 * against a real Pulseboard server. Built by `npm test`'s pretest step.
 */
import { expect } from '@open-wc/testing';
import { readFile } from '@web/test-runner-commands';
import {
  metrics,
  queueStats,
  startServer,
  type TestServer,
  textOf,
  until,
} from '../../../packages/widgets/test/drive-workers.js';

const DIST = '/packages/widgets/dist';
const frames: HTMLIFrameElement[] = [];

/** Loads `html` as the whole document of a same-origin iframe. */
async function page(html: string): Promise<Document> {
  const frame = document.createElement('iframe');
  frame.style.cssText = 'width: 1200px; height: 900px; border: 0';
  const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
  frame.srcdoc = html;
  document.body.append(frame);
  frames.push(frame);
  await loaded;
  return frame.contentDocument!;
}

const tags = (src: string) => `
  <sse-connection src="${src}">
    <health-cards></health-cards>
    <queues-view></queues-view>
  </sse-connection>`;

describe('script-tag bundles against a real server', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer();
    await server.register({
      id: 'mail-1',
      name: 'Email sender',
      queue: 'email',
      status: 'healthy',
      metrics: metrics({ responseTimeMs: 87 }),
      queueStats: queueStats({ depth: 42 }),
    });
  });
  afterEach(async () => {
    for (const frame of frames.splice(0)) frame.remove();
    await server.stop();
  });

  /** The snapshot arrives, then changes made after load reach the page. */
  async function showsLiveData(doc: Document): Promise<void> {
    const cards = doc.querySelector('health-cards')!;
    await until(() => textOf(cards).includes('Email sender'), 'the registered worker', 10_000);
    await server.register({ id: 'img-1', name: 'Image resizer', queue: 'images', status: 'healthy' });
    await until(() => textOf(cards).includes('Image resizer'), 'a worker registered after load');
    await server.heartbeat('mail-1', { status: 'degraded', metrics: metrics({ responseTimeMs: 950 }) });
    await until(() => textOf(cards).includes('Degraded'), 'a status change');
    await until(() => textOf(doc.querySelector('queues-view')!).includes('email'), 'the queue table');
  }

  it('pulseboard.iife.js from a classic script tag shows live data', async () => {
    const doc = await page(
      `<!doctype html><script src="${DIST}/pulseboard.iife.js"></script>${tags(server.events)}`,
    );
    expect(doc.scripts).to.have.length(1);
    expect(doc.scripts[0]!.type).to.equal('');
    expect(doc.defaultView!.customElements.get('health-cards')).to.be.a('function');
    await showsLiveData(doc);
  });

  it('pulseboard.js from a module script tag shows live data', async () => {
    const doc = await page(
      `<!doctype html><script type="module" src="${DIST}/pulseboard.js"></script>${tags(server.events)}`,
    );
    await until(() => doc.defaultView!.customElements.get('sse-connection'), 'the tags to be defined');
    await showsLiveData(doc);
  });

  it("pulseboard.js styles its elements through the tokens: the defaults, a page's --pulse-* and the status tones", async () => {
    // The bundle renames the private custom properties (--_border → --_x): each must still meet its definition.
    const doc = await page(`<!doctype html>
      <style>queues-view { --pulse-color-border: rgb(1, 2, 3); }</style>
      <script type="module" src="${DIST}/pulseboard.js"></script>${tags(server.events)}`);
    const cards = doc.querySelector('health-cards')!;
    await until(() => textOf(cards).includes('Email sender'), 'the registered worker', 10_000);
    const style = (root: Element, selector: string) =>
      doc.defaultView!.getComputedStyle(root.shadowRoot!.querySelector(selector)!);
    // The defaults (tokens.ts, light): the card's border and the healthy badge's dot.
    expect(style(cards, '.card').borderTopColor).to.equal('rgb(227, 230, 235)');
    expect(style(cards, '.badge .dot').backgroundColor).to.equal('rgb(20, 160, 90)');
    const queues = doc.querySelector('queues-view')!;
    await until(() => textOf(queues).includes('email'), 'the queue table');
    expect(style(queues, '.scroller').borderTopColor).to.equal('rgb(1, 2, 3)');
  });

  it('two copies of the library on one page do not throw, and the page still works', async () => {
    // Three copies: the classic bundle twice (a second URL runs it again) and the ES bundle.
    const doc = await page(`<!doctype html>
      <script>window.errors = []; addEventListener('error', (e) => errors.push(e.message));</script>
      <script src="${DIST}/pulseboard.iife.js"></script>
      <script src="${DIST}/pulseboard.iife.js?copy=2"></script>
      <script type="module" src="${DIST}/pulseboard.js?copy=3"></script>
      ${tags(server.events)}`);
    await showsLiveData(doc);
    expect((doc.defaultView as unknown as { errors: string[] }).errors).to.deep.equal([]);
  });

  it('pulseboard.iife.js shows its non-ASCII text right on a page in a legacy charset', async () => {
    // A page without `<meta charset>` is read as windows-1252, and so is a script served without a charset.
    // The file's own bytes (the dev server would serve them rewritten by esbuild), as such a server sends them.
    const text = await readFile({ path: '../../../packages/widgets/dist/pulseboard.iife.js' });
    const script = URL.createObjectURL(
      new Blob([new TextEncoder().encode(text)], { type: 'text/javascript' }),
    );
    const html = `<!doctype html><script src="${script}"></script>${tags(server.events)}`;
    const frame = document.createElement('iframe');
    const loaded = new Promise((resolve) => frame.addEventListener('load', resolve, { once: true }));
    frame.src = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=windows-1252' }));
    document.body.append(frame);
    frames.push(frame);
    await loaded;
    const doc = frame.contentDocument!;
    expect(doc.characterSet).to.equal('windows-1252');
    const cards = doc.querySelector('health-cards')!;
    await until(() => textOf(cards).includes('Email sender'), 'the registered worker', 10_000);
    // The card's subtitle is `${id} · ${queue}`; UTF-8 read as windows-1252 makes `·` read `Â·`.
    expect(textOf(cards)).to.contain('mail-1 \u00b7 email');
    expect(textOf(cards)).not.to.contain('\u00c2');
  });
});
