// Registers <dlq-monitor>, and <sse-connection> first: the element needs a connection to show anything.
import './sse-connection.js';
import { DlqMonitor } from '../dlq-monitor/dlq-monitor.js';
import { register } from './register.js';

// A type export: it brings the tag's HTMLElementTagNameMap entry to a project that imports only this file.
export type { DlqMonitor };

register('dlq-monitor', DlqMonitor);
