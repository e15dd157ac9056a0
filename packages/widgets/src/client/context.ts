import { ContextRoot, createContext } from '@lit/context';
import type { PulseClient } from './types.js';

/**
 * The one context every Pulseboard element shares. Keyed by a global symbol so
 * two copies of the library on one page still find each other's provider.
 */
export const pulseClientContext = createContext<PulseClient>(Symbol.for('pulseboard/connection'));

const ROOT = Symbol.for('pulseboard/context-root');

/**
 * Makes consumers that asked before their provider was defined (script order,
 * late upgrade) receive it when it arrives: a `ContextRoot` on the document
 * element keeps their unanswered `subscribe: true` requests and replays them
 * when a provider announces itself. Call it before a consumer first connects.
 * Once per document (marked on it with a global symbol), however many copies
 * of the library call it.
 */
export function ensureContextRoot(doc: Document = document): void {
  const marked = doc as Document & { [ROOT]?: ContextRoot };
  if (marked[ROOT]) return;
  marked[ROOT] = new ContextRoot();
  marked[ROOT].attach(doc.documentElement);
}
