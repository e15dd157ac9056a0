import { isPulseboardElement } from '../base/mark.js';
import { ensureContextRoot } from '../client/context.js';

/**
 * Registers `element` as `tag` unless the tag is taken. Taken by a Pulseboard
 * element (a second copy of the library on the page, or this one through
 * another entry), it is left as it is: every copy shares one context, so they
 * work together. Taken by anything else, the page gets a warning, since the
 * tag will not behave as a Pulseboard element.
 */
export function register(tag: string, element: CustomElementConstructor): void {
  // Consumers upgraded before their provider must still find it.
  ensureContextRoot();
  const existing = customElements.get(tag);
  if (!existing) customElements.define(tag, element);
  else if (!isPulseboardElement(existing))
    console.warn(
      `[pulseboard] <${tag}> is already defined by something else; Pulseboard's is not registered.`,
    );
}
