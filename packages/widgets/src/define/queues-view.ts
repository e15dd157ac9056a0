// Registers <queues-view>, and <sse-connection> first: the element needs a connection to show anything.
import './sse-connection.js';
import { QueuesView } from '../queues-view/queues-view.js';
import { register } from './register.js';

// A type export: it brings the tag's HTMLElementTagNameMap entry to a project that imports only this file.
export type { QueuesView };

register('queues-view', QueuesView);
