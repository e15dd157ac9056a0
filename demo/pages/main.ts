// The full dashboard, the npm way: a bundler resolves @pulseboard/widgets and
// `define.js` registers every tag.
import '@pulseboard/widgets/define.js';
import { setUpChrome } from './chrome.js';

setUpChrome();
