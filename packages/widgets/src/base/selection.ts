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

/** The elements of one connection and their common selection (the attribute value). */
export interface SelectionBus {
  value: string | null;
  members: Set<{ selection: string | null }>;
}

/**
 * One bus per client object, so elements that share a connection share a
 * selection and elements of different connections never do. A WeakMap, not a
 * field on the client: the client is the connection's public API and stays as is.
 */
const buses = new WeakMap<object, SelectionBus>();

export const busFor = (client: object): SelectionBus => {
  const bus = buses.get(client) ?? { value: null, members: new Set() };
  buses.set(client, bus);
  return bus;
};

/** Sets the selection of every element on `bus` (each reflects it in its attribute). */
export function select(bus: SelectionBus, value: string | null): void {
  if (bus.value === value) return;
  bus.value = value;
  for (const el of bus.members) el.selection = value;
}
