import '@pulseboard/widgets/define.js';
import { setUpChrome } from './chrome.js';

setUpChrome();
// Show the brand column's real CSS rather than a copy that could drift.
const css = document.querySelector('#brand-style')?.textContent ?? '';
const indent = /^\n?( *)/.exec(css)?.[1]?.length ?? 0;
document.querySelector('#brand-css')!.textContent = css
  .split('\n')
  .map((line) => line.slice(indent))
  .join('\n')
  .trim();
