/** A selected worker or queue; null when nothing is selected. */
export type Selection = { kind: 'worker' | 'queue'; id: string } | null;

/**
 * Fired when the user selects a worker or queue in `<health-cards>`,
 * `<queues-view>` or `<dlq-monitor>`, or clears the selection. Not fired when
 * a host page sets the `selection` attribute (it knows already).
 */
export class SelectEvent extends Event {
  /** The event's type, for `addEventListener(SelectEvent.eventName, …)`. */
  static readonly eventName = 'pulse-select';
  constructor(
    /** What is selected now: `{kind, id}`, or null when the selection was cleared. */
    readonly selection: Selection,
  ) {
    super(SelectEvent.eventName, { bubbles: true, composed: true });
  }
}

/** `"worker:email-1"` → `{kind: 'worker', id: 'email-1'}`; ids may contain colons, kinds do not. */
export function parseSelection(value: string | null | undefined): Selection {
  const at = value?.indexOf(':') ?? -1;
  const kind = value?.slice(0, at);
  const id = value?.slice(at + 1);
  return (kind === 'worker' || kind === 'queue') && id ? { kind, id } : null;
}
