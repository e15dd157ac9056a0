/**
 * Operator actions: what a worker declares it can do, what an operator asks
 * for, how the worker gets it and answers. docs/protocol.md ("Actions") is the prose.
 */

import type { ProtocolVersion } from './index.js';

/** What an action acts on: the worker itself, its queue, or its queue's dead letters. */
export const ACTION_TARGETS = ['worker', 'queue', 'deadLetters'] as const;
export type ActionTarget = (typeof ACTION_TARGETS)[number];

export const ACTION_PARAM_TYPES = ['string', 'number', 'boolean', 'enum'] as const;
export type ActionParamType = (typeof ACTION_PARAM_TYPES)[number];

/** One argument of an action, described the way a small JSON Schema would. */
export interface ActionParamSpec {
  type: ActionParamType;
  /** Shown beside the input; the name when absent. */
  label?: string;
  description?: string;
  /** Whether a request must give it. Default false. */
  required?: boolean;
  /** `number`: the least and greatest value. */
  minimum?: number;
  maximum?: number;
  /** `number`: whole numbers only. */
  integer?: boolean;
  /** `string`: the least and greatest length (at most `LIMITS.actionParamStringMax`). */
  minLength?: number;
  maxLength?: number;
  /** `enum`: the values allowed. */
  values?: string[];
}

/** An action a worker can perform, as it declares it at registration. */
export interface ActionDeclaration {
  /** `[A-Za-z0-9._:-]{1,64}`, unique per worker: `pause`, `retryAll`. */
  name: string;
  target: ActionTarget;
  /** What the control says. Plain text: widgets render it as text. */
  label: string;
  /** Asked before sending ("Purge 83 dead letters?"); no confirmation when absent. Plain text. */
  confirm?: string;
  /** Destructive or hard to undo: widgets ask for confirmation and mark the control. */
  dangerous?: boolean;
  /** Arguments by name. */
  params?: Record<string, ActionParamSpec>;
}

/**
 * Whether `declaration` acts on ONE dead letter rather than on the queue's list: target `deadLetters`
 * and a required string param `id`, which a request fills with the dead letter's id (retry one, delete
 * one). A `deadLetters` action without `id` acts on the queue's dead letters (retry all, purge). The
 * server refuses a `deadLetters` declaration whose `id` is anything but a required string.
 */
export const actsOnOneDeadLetter = (declaration: ActionDeclaration): boolean =>
  declaration.target === 'deadLetters' && !!declaration.params?.id;

export type ActionParamValue = string | number | boolean;
export type ActionParams = Record<string, ActionParamValue>;

/** Where an action is in its life. The last three are outcomes: it is over. */
export const ACTION_STATUSES = ['pending', 'delivered', 'ok', 'error', 'timeout'] as const;
export type ActionStatus = (typeof ACTION_STATUSES)[number];
export const ACTION_OUTCOMES = ['ok', 'error', 'timeout'] as const satisfies readonly ActionStatus[];
export type ActionOutcome = (typeof ACTION_OUTCOMES)[number];

/** An action as the server records it, lists it and announces it. */
export interface Action {
  /** Unique, opaque. */
  id: string;
  worker: string;
  /** The declared action's name. */
  action: string;
  target: ActionTarget;
  /** The worker's queue when it was requested (what `queue` and `deadLetters` actions act on). */
  queue: string | null;
  params: ActionParams;
  /** Who asked: the operate token's label, never the token. */
  by: string;
  status: ActionStatus;
  /** Epoch ms (server clock). */
  requestedAt: number;
  /** When it completes as `timeout` if no answer came by then. */
  expiresAt: number;
  /** When a worker took it (stream or heartbeat); null while pending. */
  deliveredAt: number | null;
  completedAt: number | null;
  /** From requested to completed; null while open. */
  durationMs: number | null;
  /** The worker's message, or why it timed out. Plain text. */
  message: string | null;
  /** What the worker's handler returned besides `ok` and `message` (small JSON), or null. */
  data: unknown;
}

/** `action_requested`: an operator asked; the action is pending. */
export interface ActionRequestedPayload {
  v: ProtocolVersion;
  action: Action;
}

/** `action_completed`: the worker answered (`ok` or `error`), or nobody did in time (`timeout`). */
export interface ActionCompletedPayload {
  v: ProtocolVersion;
  action: Action;
}

/** What a worker receives, on its action stream (`event: action`) or in a heartbeat answer. */
export interface ActionDelivery {
  id: string;
  /** The worker it is for (a fleet's stream carries the actions of many). */
  worker: string;
  action: string;
  target: ActionTarget;
  queue: string | null;
  params: ActionParams;
  by: string;
  requestedAt: number;
  /** Answer before this (epoch ms, server clock), or the action completes as `timeout`. */
  expiresAt: number;
}

/** `POST /api/actions` */
export interface RequestActionBody {
  worker: string;
  action: string;
  /** If given, must be the declared target: a control can say what it means to act on. */
  target?: ActionTarget;
  params?: ActionParams;
}

/** `202` to `POST /api/actions` */
export interface RequestActionResponse {
  id: string;
  action: Action;
}

/** `POST /api/actions/:id/result` */
export interface ActionResultBody {
  ok: boolean;
  message?: string;
  /** Small JSON (at most `LIMITS.actionDataBytes` serialized). */
  data?: unknown;
  /** The answering worker; when given it must be the one the action was for (403 otherwise). */
  worker?: string;
}

/** `GET /api/actions` */
export interface ActionList {
  /** Newest first: open actions and the most recent completed ones. */
  actions: Action[];
}

/** What a stream's token allows; sent in `initial_data.can`. */
export const PERMISSIONS = ['read', 'operate'] as const;
export type Permission = (typeof PERMISSIONS)[number];
