import {
  type ActionDeclaration,
  type ActionDelivery,
  type ActionParams,
  type ActionResultBody,
  LIMITS,
} from '@pulseboard/protocol';
import { backoffMs, ReporterError } from './http.js';

/** What a handler learns besides the parameters: which action, on what, asked by whom, due when. */
export type ActionContext = Omit<ActionDelivery, 'params'>;

/**
 * What a handler returns: `{ ok?, message?, data? }` (ok unless `ok: false`), a string (the message),
 * or nothing. A thrown error is an `ok: false` answer with its message.
 */
export type ActionHandlerResult = { ok?: boolean; message?: string; data?: unknown } | string | undefined;

export type ActionHandler = (
  params: ActionParams,
  context: ActionContext,
) => ActionHandlerResult | Promise<ActionHandlerResult>;

/** An action this worker declares, with the code that performs it. */
export interface ReporterAction extends ActionDeclaration {
  handler: ActionHandler;
  /** Run beside other actions of this worker; by default they run one at a time, in arrival order. */
  concurrent?: boolean;
}

/** Attempts at posting an action's answer before giving up (the action then times out on the server). */
const ANSWER_ATTEMPTS = 3;

/**
 * Posts worker `worker`'s answer to action `actionId` (`POST /api/actions/:id/result`) through `post`,
 * trying again after a network error or a 5xx; a 4xx will not change (answered, timed out, forgotten).
 */
export async function postResult(
  post: (path: string, body: unknown) => Promise<unknown>,
  worker: string,
  maxBackoffMs: number,
  actionId: string,
  result: ActionResultBody,
): Promise<void> {
  const body = { ...result, worker };
  for (let attempt = 1; ; attempt++) {
    try {
      await post(`/api/actions/${encodeURIComponent(actionId)}/result`, body);
      return;
    } catch (error) {
      const status = error instanceof ReporterError ? error.status : null;
      if (attempt >= ANSWER_ATTEMPTS || (status !== null && status < 500)) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt, maxBackoffMs)));
    }
  }
}

/** Action ids remembered, so one delivered twice (a resumed stream) runs once. */
const REMEMBERED = 1000;

/** The answer a handler's outcome makes, within the server's limits. */
export function toResult(outcome: { value: ActionHandlerResult } | { error: unknown }): ActionResultBody {
  let body: ActionResultBody;
  if ('error' in outcome) {
    const { error } = outcome;
    body = { ok: false, message: error instanceof Error ? error.message : String(error) };
  } else if (typeof outcome.value === 'string') body = { ok: true, message: outcome.value };
  else {
    const { ok = true, message, data } = outcome.value ?? {};
    body = { ok };
    if (message !== undefined) body.message = String(message);
    if (data !== undefined) {
      const size = new TextEncoder().encode(JSON.stringify(data) ?? '').length;
      if (size <= LIMITS.actionDataBytes) body.data = data;
      else
        body.message =
          `${body.message ?? ''} (data left out: ${size} bytes, over ${LIMITS.actionDataBytes})`.trim();
    }
  }
  if (body.message !== undefined) body.message = body.message.slice(0, LIMITS.actionMessageMax);
  return body;
}

/**
 * Runs the handlers of delivered actions and hands each answer to `answer`:
 * one at a time unless declared `concurrent`, each action id once.
 */
export function createActionRunner(options: {
  answer: (id: string, result: ActionResultBody) => Promise<void>;
  report: (error: unknown) => void;
}) {
  const actions = new Map<string, ReporterAction>();
  const seen = new Set<string>();
  /** The one-at-a-time queue's tail. */
  let queue: Promise<void> = Promise.resolve();
  const running = new Set<Promise<void>>();

  async function run(action: ReporterAction | undefined, delivery: ActionDelivery): Promise<void> {
    const { params, ...context } = delivery;
    let result: ActionResultBody;
    if (!action) result = { ok: false, message: `This worker has no handler for "${delivery.action}"` };
    else {
      try {
        result = toResult({ value: await action.handler(params, context) });
      } catch (error) {
        result = toResult({ error });
      }
    }
    await options.answer(delivery.id, result).catch(options.report);
  }

  return {
    /** Adds or replaces an action. */
    add(action: ReporterAction): void {
      actions.set(action.name, action);
    },
    /** What the server is told at registration: the declarations without the code. */
    declarations(): ActionDeclaration[] {
      return [...actions.values()].map(({ handler: _, concurrent: __, ...declaration }) => declaration);
    },
    get size(): number {
      return actions.size;
    },
    dispatch(delivery: ActionDelivery): void {
      if (seen.has(delivery.id)) return;
      seen.add(delivery.id);
      if (seen.size > REMEMBERED) seen.delete(seen.values().next().value as string);
      const action = actions.get(delivery.action);
      let done: Promise<void>;
      if (action?.concurrent) done = run(action, delivery);
      else {
        done = queue.then(() => run(action, delivery));
        queue = done;
      }
      running.add(done);
      void done.finally(() => running.delete(done));
    },
    /** Resolves when every action started so far is answered. */
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
