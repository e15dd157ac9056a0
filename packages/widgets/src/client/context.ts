import { createContext } from '@lit/context';
import type { PulseClient } from './types.js';

/**
 * The one context every Pulseboard element shares. Keyed by a global symbol so
 * two copies of the library on one page still find each other's provider.
 */
export const pulseClientContext = createContext<PulseClient>(Symbol.for('pulseboard/connection'));
