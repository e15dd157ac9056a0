import '@pulseboard/widgets/define.js';
import { setUpChrome } from './chrome.js';

setUpChrome();

const text = (id: string, value: string) => {
  document.getElementById(id)!.textContent = value;
};
const connection = document.querySelector('sse-connection')!;
const client = connection.client;

// What the page sees: events per second, workers in the store, frames per second and long tasks.
let events = 0;
client.subscribe('*', () => {
  events++;
});
let frames = 0;
const countFrame = () => {
  frames++;
  requestAnimationFrame(countFrame);
};
requestAnimationFrame(countFrame);
const longTasks: number[] = [];
if (PerformanceObserver.supportedEntryTypes.includes('longtask')) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.startTime);
  }).observe({ type: 'longtask' });
}
setInterval(() => {
  text('rate', String(events));
  text('fps', String(frames));
  text('workers', client.data.workers.size.toLocaleString());
  const recent = performance.now() - 10_000;
  while (longTasks.length && longTasks[0]! < recent) longTasks.shift();
  text(
    'long',
    PerformanceObserver.supportedEntryTypes.includes('longtask') ? String(longTasks.length) : 'n/a',
  );
  events = 0;
  frames = 0;
}, 1000);

// The fleet lives in the demo server's process; /demo/simulation reads and resizes it.
const workerToken = new URLSearchParams(location.search).get('workerToken');
async function fleet(workers?: number): Promise<void> {
  try {
    const response = await fetch(
      workers === undefined ? '/demo/simulation' : `/demo/simulation?workers=${workers}`,
      workers === undefined
        ? {}
        : {
            method: 'POST',
            // JSON, so another site cannot trigger this without a CORS preflight; the worker token
            // (`scale.html?workerToken=…`) when the server has tokens.
            headers: {
              'content-type': 'application/json',
              ...(workerToken ? { authorization: `Bearer ${workerToken}` } : {}),
            },
            body: '{}',
          },
    );
    if (response.status === 401) {
      text('scale-note', 'This server has worker tokens: open this page with ?workerToken=… to resize.');
      return;
    }
    if (!response.ok) throw new Error(`${response.status}`);
    const body = (await response.json()) as { workers: number };
    text('fleet', `${body.workers.toLocaleString()} simulated`);
    text('scale-note', '');
  } catch {
    text('fleet', 'n/a');
    text('scale-note', 'No simulator here: run `npm start -- --simulate 1000`.');
  }
}
for (const button of document.querySelectorAll<HTMLButtonElement>('button[data-workers]')) {
  button.addEventListener('click', () => fleet(Number(button.dataset.workers)));
}
fleet();
setInterval(() => fleet(), 3000);
