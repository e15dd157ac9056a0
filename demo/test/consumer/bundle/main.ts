// Case (g): what a bundler user writes, as the widgets README shows it: the one side-effect import
// registers every tag, and the types it brings (the tag map, the event map) are what make this
// strict code check: without them `querySelector` gives an Element and the event an Event.
import '@pulseboard/widgets/define.js';
import type { ConnectionState, SseConnection } from '@pulseboard/widgets';

const connection: SseConnection = document.querySelector('sse-connection')!;
// The page's address says which server: ?events=<url of its /events>.
connection.src = new URLSearchParams(location.search).get('events');
connection.addEventListener('pulse-connection-change', ({ state }) => {
  const shown: ConnectionState = state;
  document.body.dataset.connection = shown;
});
// @ts-expect-error maxRetries is a number
export const typo = () => (connection.maxRetries = 'ten');
