import type { RequestActionBody } from '@pulseboard/protocol';

/**
 * Fired by `<health-cards>`, `<queues-view>` and `<dlq-monitor>` just before an
 * operator's action request is sent (after the confirmation dialog). Cancelable:
 * `preventDefault()` sends nothing, so a host page can add its own
 * confirmation or audit (or send it its own way).
 */
export class PulseActionEvent extends Event {
  /** The event's type, for `addEventListener(PulseActionEvent.eventName, …)`. */
  static readonly eventName = 'pulse-action';
  constructor(
    /** What is about to be asked: `{ worker, action, target, params }`, the body of `POST /api/actions`. */
    readonly request: RequestActionBody,
  ) {
    super(PulseActionEvent.eventName, { bubbles: true, composed: true, cancelable: true });
  }
}
