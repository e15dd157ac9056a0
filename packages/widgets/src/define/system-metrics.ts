// Registers <system-metrics>, and <sse-connection> first: the element needs a connection to show anything.
import './sse-connection.js';
import { SystemMetrics } from '../system-metrics/system-metrics.js';
import { register } from './register.js';

// A type export: it brings the tag's HTMLElementTagNameMap entry to a project that imports only this file.
export type { SystemMetrics };

register('system-metrics', SystemMetrics);
