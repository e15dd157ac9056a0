// Registers <sse-connection>.
import { SseConnection } from '../sse-connection/sse-connection.js';
import { register } from './register.js';

// A type export: it brings the tag's HTMLElementTagNameMap entry to a project that imports only this file.
export type { SseConnection };

register('sse-connection', SseConnection);
