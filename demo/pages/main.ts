// The full dashboard, the npm way: a bundler resolves @pulseboard/widgets and
// `define.js` registers every tag.
import '@pulseboard/widgets/define.js';
import { setUpChrome } from './chrome.js';

setUpChrome();

// `npm start -- --operate-token …` prints this page with `#token=…`: the dashboard connects with it (and may
// operate). A fragment reaches no server; it is taken out of the address bar so it is not bookmarked or shared.
const token = new URLSearchParams(location.hash.slice(1)).get('token');
if (token) {
  for (const connection of document.querySelectorAll('sse-connection')) connection.token = token;
  history.replaceState(null, '', location.pathname + location.search);
}
