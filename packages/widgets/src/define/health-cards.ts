// Registers <health-cards>, and <sse-connection> first: the element needs a connection to show anything.
import './sse-connection.js';
import { HealthCards } from '../health-cards/health-cards.js';
import { register } from './register.js';

// A type export: it brings the tag's HTMLElementTagNameMap entry to a project that imports only this file.
export type { HealthCards };

register('health-cards', HealthCards);
