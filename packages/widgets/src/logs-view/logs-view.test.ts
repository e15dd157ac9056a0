import { expect } from '@open-wc/testing';
import { executeServerCommand, sendKeys } from '@web/test-runner-commands';
import '../define.js';
import {
  behavesLikeAPulseElement,
  HOSTILE,
  mount,
  mountConnected,
  serverPerTest,
  textOf,
  until,
} from '../../test/drive-workers.js';
import { initialData } from '../../test/fixtures.js';
import { DASH } from '../base/format.js';
import { OVERSCAN } from '../base/row-window.js';
import type { LogsView } from './logs-view.js';

const rows = (el: LogsView) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="row"]')];
const messages = (el: LogsView) => rows(el).map((r) => r.querySelector('.msg')!.textContent!.trim());

describe('<logs-view>', () => {
  const fx = serverPerTest();

  it('shows the recent lines the server holds, in a role="log" list', async () => {
    await fx.server.register({ id: 'w1', name: 'Mailer' });
    await fx.server.log('w1', [
      { level: 'info', message: 'first' },
      { level: 'error', message: 'second' },
    ]);
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    await until(() => messages(el).includes('second'), 'rows rendered');
    expect(el.shadowRoot!.querySelector('[role="log"]')).to.exist;
    const second = rows(el).find((r) => r.textContent!.includes('second'))!;
    expect(second.textContent).to.contain('ERROR').and.contain('Mailer');
  });

  it('tells workers with the same name apart by id: menu, lines and chip; the menu follows the selection', async () => {
    for (const id of ['api-1', 'api-2']) {
      await fx.server.register({ id, name: 'API gateway' });
      await fx.server.log(id, [{ level: 'info', message: `from ${id}` }]);
    }
    await fx.server.register({ id: 'mail-1', name: 'Mailer' });
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    await until(() => messages(el).includes('from api-2'), 'lines');
    const who = (message: string) =>
      rows(el)
        .find((r) => r.querySelector('.msg')!.textContent === message)!
        .querySelector('.who')!.textContent;
    expect(who('from api-1')).to.equal('API gateway (api-1)');
    expect(who('from api-2')).to.equal('API gateway (api-2)');
    const menu = el.shadowRoot!.querySelector<HTMLSelectElement>('select.workers')!;
    menu.focus();
    await until(() => menu.options.length === 4, 'every worker in the menu');
    expect([...menu.options].map((o) => o.textContent!.trim())).to.deep.equal([
      'All workers',
      'API gateway (api-1)',
      'API gateway (api-2)',
      'Mailer',
    ]);
    // A selection made elsewhere scopes the lines: the menu and the chip say which.
    el.selection = 'worker:api-2';
    await until(() => menu.value === 'api-2', 'menu follows the selection');
    expect(el.shadowRoot!.querySelector('[part~="selection"]')!.textContent).to.contain(
      'API gateway (api-2)',
    );
    await until(() => messages(el).join() === 'from api-2', 'scoped lines');
    // Choosing from the menu moves the selection; All workers clears it.
    menu.value = 'api-1';
    menu.dispatchEvent(new Event('change'));
    await until(() => el.selection === 'worker:api-1', 'selection moved');
    menu.value = '';
    menu.dispatchEvent(new Event('change'));
    await until(() => el.selection === null, 'selection cleared');
    expect(el.worker).to.equal('');
  });

  it('says when no line matches the filters, counts the lines shown, and keeps the count while paused', async () => {
    await fx.server.register({ id: 'w1', name: 'Mailer' });
    await fx.server.log('w1', [
      { level: 'info', message: 'queued' },
      { level: 'info', message: 'sent' },
    ]);
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    await until(() => messages(el).includes('sent'), 'lines');
    const summary = () => el.shadowRoot!.querySelector('.summary')!.textContent!.trim();
    expect(summary()).to.equal('2 lines');
    el.filter = 'sent';
    await until(() => summary() === '1 of 2 lines', 'count of the lines shown');
    el.filter = 'nothing like this';
    await until(() => textOf(el).includes('No lines match the filters'), 'empty result notice');
    expect(el.shadowRoot!.querySelector('[part~="log"]')).to.equal(null);
    expect(summary()).to.equal('0 of 2 lines');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="notice"] button')!.click();
    await until(() => summary() === '2 lines' && messages(el).includes('sent'), 'filters cleared');
    el.paused = true;
    await fx.server.log('w1', [{ level: 'info', message: 'later' }]);
    await until(() => /[1-9]\d* updates? waiting/.test(textOf(el)), 'held');
    expect(summary()).to.equal('2 lines');
    el.paused = false;
    await until(() => summary() === '3 lines', 'counted on resume');
  });

  it('adds live lines and entries for registration, status change and leaving', async () => {
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    await fx.server.register({ id: 'w2', name: 'Resizer', queue: 'images' });
    await until(() => messages(el).includes('Registered · queue images'), 'registration entry');
    await fx.server.log('w2', [{ level: 'warn', message: 'disk almost full' }]);
    await until(() => messages(el).includes('disk almost full'), 'live line');
    await fx.server.heartbeat('w2', { status: 'unhealthy' });
    await until(() => messages(el).some((m) => m.startsWith('Status starting → unhealthy')), 'status entry');
    await fx.server.leave('w2');
    await until(() => messages(el).includes('Deregistered'), 'leave entry');
    expect(el.lines.map((l) => l.kind)).to.deep.equal(['event', 'log', 'event', 'event']);
  });

  it('follows the tail, and pause holds "N updates waiting" and resumes without loss', async () => {
    await fx.server.register({ id: 'w1', name: 'Chatty' });
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ level: 'info' as const, message: `line ${from + i}` }));
    await fx.server.log('w1', batch(0, 200));
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    const log = el.shadowRoot!.querySelector<HTMLElement>('[role="log"]')!;
    const lastVisible = () => {
      const box = log.getBoundingClientRect();
      const last = rows(el).find((r) => r.textContent!.includes('line 199'));
      return (
        last &&
        last.getBoundingClientRect().bottom <= box.bottom + 1 &&
        last.getBoundingClientRect().top >= box.top
      );
    };
    await until(lastVisible, 'the tail in view');

    el.paused = true;
    await el.updateComplete;
    // Three log events and a registration, held (the client may batch them into fewer updates), every line kept.
    await fx.server.log('w1', batch(200, 10));
    await fx.server.log('w1', batch(210, 10));
    await fx.server.log('w1', batch(220, 10));
    await fx.server.register({ id: 'w2', name: 'Late' });
    await until(() => /Paused · [1-9]\d* updates? waiting/.test(textOf(el)), '"N updates waiting"');
    expect(messages(el)).not.to.include('line 229');
    el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="resume"]')!.click();
    await until(() => messages(el).includes('Registered'), 'resumed');
    expect(textOf(el)).not.to.contain('waiting');
    const seen = el.lines.filter((l) => l.kind === 'log').map((l) => l.message);
    expect(seen).to.deep.equal(batch(0, 230).map((l) => l.message));
  });

  it('filters by level, worker and text', async () => {
    await fx.server.register({ id: 'a', name: 'Alpha' });
    await fx.server.register({ id: 'b', name: 'Beta' });
    await fx.server.log('a', [
      { level: 'debug', message: 'a-debug' },
      { level: 'error', message: 'a-error' },
    ]);
    await fx.server.log('b', [{ level: 'warn', message: 'b-warn' }]);
    const { el } = await mountConnected<LogsView>(
      fx.server,
      '<logs-view level="warn"></logs-view>',
      'logs-view',
    );
    await until(() => messages(el).includes('b-warn'), 'warn and above');
    expect(messages(el)).to.deep.equal(['a-error', 'b-warn']);
    el.worker = 'a';
    await el.updateComplete;
    await until(() => messages(el).join() === 'a-error', 'worker filter');
    el.worker = '';
    el.level = 'debug';
    el.filter = 'DEBUG';
    await el.updateComplete;
    await until(() => messages(el).join() === 'a-debug', 'text filter');
  });

  it('shows the chosen worker in the worker menu, and every worker, by name, once the menu is focused', async () => {
    await fx.server.register({ id: 'w10', name: 'worker-10' });
    await fx.server.register({ id: 'w2', name: 'worker-2' });
    await fx.server.log('w10', [{ level: 'info', message: 'from ten' }]);
    await fx.server.log('w2', [{ level: 'info', message: 'from two' }]);
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    await until(() => messages(el).includes('from ten') && messages(el).includes('from two'), 'both lines');
    el.worker = 'w2';
    // Only log lines: a silent worker's status lines (going offline) may come and go.
    const logLines = () => messages(el).filter((m) => m.startsWith('from '));
    await until(() => logLines().join() === 'from two', 'filtered by the worker attribute');
    const menu = el.shadowRoot!.querySelector<HTMLSelectElement>('select[aria-label="Worker"]')!;
    expect(menu.selectedOptions[0]!.textContent).to.equal('worker-2');

    menu.focus();
    await until(() => menu.options.length === 3, 'every worker listed');
    expect([...menu.options].map((o) => o.textContent)).to.deep.equal([
      'All workers',
      'worker-2',
      'worker-10',
    ]);
    expect(menu.value).to.equal('w2');
    menu.value = 'w10';
    menu.dispatchEvent(new Event('change'));
    await until(() => logLines().join() === 'from ten', 'filtered by the worker chosen in the menu');
    expect(el.worker).to.equal('w10');
  });

  it('keeps max-lines, and renders only a window of 100,000 lines, scrolled by keyboard', async function () {
    this.timeout(60_000);
    await fx.server.register({ id: 'w1', name: 'Firehose' });
    const { el } = await mountConnected<LogsView>(
      fx.server,
      '<logs-view max-lines="100000"></logs-view>',
      'logs-view',
    );
    const batch = (i: number) =>
      fx.server.log(
        'w1',
        Array.from({ length: 1000 }, (_, j) => ({ level: 'info' as const, message: `bulk ${i * 1000 + j}` })),
      );
    // 110 batches of 1,000, five at a time, then one marker line to wait for.
    for (let i = 0; i < 110; i += 5) await Promise.all([0, 1, 2, 3, 4].map((j) => batch(i + j)));
    await fx.server.log('w1', [{ level: 'info', message: 'done' }]);
    await until(() => el.lines.at(-1)?.message === 'done', 'all lines arrived', 30_000);
    expect(el.lines).to.have.length(100_000);
    // The oldest went first: the registration entry is gone.
    expect(el.lines.some((l) => l.message.startsWith('Registered'))).to.equal(false);
    // Following the tail: the newest line is rendered, and only a viewport's worth of lines
    // plus the overscan on each side is in the DOM.
    await until(() => messages(el).at(-1) === 'done', 'the tail rendered');
    const log = el.shadowRoot!.querySelector<HTMLElement>('[role="log"]')!;
    const rowPx = rows(el)[0]!.getBoundingClientRect().height;
    const windowRows = Math.ceil(log.clientHeight / rowPx) + 2 * OVERSCAN;
    expect(rows(el).length).to.be.within(Math.floor(log.clientHeight / rowPx), windowRows);
    expect(log.scrollHeight).to.be.closeTo(100_000 * rowPx, 100_000 * 0.5);

    // The focused log scrolls with the keyboard; leaving the tail stops following.
    log.focus();
    await sendKeys({ press: 'Home' });
    // (Not a fixed message: the silent worker going offline adds a line and trims the oldest.)
    await until(() => messages(el)[0] === el.lines[0]!.message, 'the oldest line after Home');
    expect(el.following).to.equal(false);
    expect(rows(el).length).to.be.at.most(windowRows);

    // Anywhere in between, the line under the middle of the viewport is the one at that offset.
    log.scrollTop = log.scrollHeight / 2;
    const middle = () => {
      const box = log.getBoundingClientRect();
      const hit = el.shadowRoot!.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
      return hit?.closest<HTMLElement>('.line') ?? null;
    };
    await until(() => middle() !== null, 'a line in the middle of the viewport');
    const index = Math.floor((log.scrollTop + log.clientHeight / 2) / rowPx);
    const shown = middle()!.querySelector('.msg')!.textContent;
    const at = el.lines.findIndex((l) => l.message === shown);
    expect(at, `"${shown}" in the middle`).to.be.closeTo(index, 1);
    expect(rows(el).length).to.be.at.most(windowRows);

    // Filtering keeps exactly the matching lines (bulk 5000 itself was trimmed away).
    el.filter = 'bulk 5000';
    await el.updateComplete;
    expect(messages(el)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `bulk 5000${i}`));
    el.maxLines = 50;
    await el.updateComplete;
    expect(el.lines).to.have.length(50);
  });

  it('renders hostile strings and huge lines as text', async () => {
    await fx.server.register({ id: 'evil', name: HOSTILE });
    await fx.server.log('evil', [
      { level: 'info', message: HOSTILE },
      { level: 'info', message: 'x'.repeat(8000) },
    ]);
    const { el } = await mountConnected<LogsView>(fx.server, '<logs-view></logs-view>', 'logs-view');
    await until(() => messages(el).includes(HOSTILE), 'hostile line');
    expect(el.shadowRoot!.querySelector('img')).to.equal(null);
    expect(rows(el)[0]!.querySelector('.who')!.textContent).to.equal(HOSTILE);
    expect(messages(el)[1]).to.contain('more characters').and.have.length.lessThan(2100);
  });

  it('shows a line whose time no Date holds with a placeholder, and every line around it', async () => {
    // From a server that let 8.7e15 through (ours answers 400 invalid_timestamp now).
    const line = (message: string, at: number) => ({ workerId: 'w1', level: 'warn' as const, message, at });
    const frame = (id: string, event: string, data: unknown) =>
      `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    const body =
      frame(
        '1-1',
        'initial_data',
        initialData({ logs: [line('before', 1000), line('far future', 8.7e15), line('after', 2000)] }),
      ) + frame('1-2', 'log', { v: 1, entries: [line('live far future', 8.7e15), line('live after', 3000)] });
    const { url } = await executeServerCommand<{ url: string }, object>('pulse-script-start', { body });
    try {
      const el = mount(`<sse-connection src="${url}/events"><logs-view></logs-view></sse-connection>`)
        .firstElementChild!.firstElementChild as LogsView;
      const all = ['before', 'far future', 'after', 'live far future', 'live after'];
      await until(() => messages(el).join() === all.join(), 'every line rendered');
      const times = rows(el).map((r) => r.querySelector('time')!.textContent!.trim());
      expect(times[1]).to.equal(DASH);
      expect(times[3]).to.equal(DASH);
      expect(times[4]).to.match(/^\d+ \w+ \d\d:\d\d:\d\d$/);
    } finally {
      await executeServerCommand('pulse-script-stop', { url });
    }
  });
});

behavesLikeAPulseElement('logs-view');
