/**
 * A static field on every Pulseboard element class, keyed by a global symbol,
 * so any copy of the library tells a tag registered by another copy (fine)
 * from one some other library registered (worth a warning).
 */
export const PULSEBOARD_ELEMENT = Symbol.for('pulseboard/element');

/** Whether `element` is a Pulseboard element class, from this copy of the library or another. */
export const isPulseboardElement = (element: CustomElementConstructor): boolean =>
  (element as { [PULSEBOARD_ELEMENT]?: boolean })[PULSEBOARD_ELEMENT] === true;
