import {
  type Action,
  type ActionDeclaration,
  type ActionParamSpec,
  type ActionParams,
  type ActionTarget,
  actsOnOneDeadLetter,
} from '@pulseboard/protocol';
import { html, nothing, type ReactiveController, type ReactiveControllerHost } from 'lit';
import type { PulseClient } from '../client/types.js';
import type { DashboardState } from '../store/types.js';
import { PulseActionEvent } from './action-event.js';
import { NAME_MAX, truncate } from './format.js';

/** What a control acts on: a worker (by id), or a queue or its dead letters (by queue name). */
export interface Subject {
  target: ActionTarget;
  key: string;
  /** Who or what it is, in the control's accessible name and the dialog's title. */
  name: string;
  /** One dead letter's id: the subject is that entry (its actions take `id`), not the queue's list. */
  id?: string;
  /** The worker that reported the entry: it performs the entry's actions when it declares them. */
  worker?: string;
}

/** A declared action and the worker that would perform it. */
interface Choice {
  declaration: ActionDeclaration;
  worker: string;
}

/** A request this element made that the server refused (or never answered): shown in place like an outcome. */
interface Refusal {
  label: string;
  message: string;
  at: number;
}

export interface ActionHost extends ReactiveControllerHost, HTMLElement {
  readonly source: PulseClient | null;
  readonly renderRoot: HTMLElement | DocumentFragment;
}

/** A subject's key; with `id` (one dead letter) one more line: '' for the declarations that act on any entry. */
const subjectKey = (target: ActionTarget, key: string | null, id?: unknown) =>
  `${target}\n${key}${typeof id === 'string' ? `\n${id}` : ''}`;
/** The subject of an action: its worker, the worker's queue, or one of its dead letters. */
const subjectOf = (a: Pick<Action, 'target' | 'worker' | 'queue' | 'params'>) =>
  subjectKey(a.target, a.target === 'worker' ? a.worker : a.queue, a.target === 'deadLetters' && a.params.id);
/** The params an operator fills in: all but the `id` an entry's action is given. */
const fields = (subject: Subject, { params = {} }: ActionDeclaration) =>
  Object.entries(params).filter(([name]) => subject.id === undefined || name !== 'id');

/** `[tone, words]` of an action (or a refusal) for the control and the dialog: pending, ok or error. */
function outcome(label: string, a: Action | Refusal): [string, string] {
  if (!('status' in a)) return ['error', `${label}: ${a.message}`];
  const message = a.message ? `: ${a.message}` : '';
  if (a.status === 'ok') return ['ok', `${label} done${message}`];
  if (a.status === 'error') return ['error', `${label} failed${message}`];
  if (a.status === 'timeout') return ['error', `${label}: no answer in time`];
  return ['pending', `${label}: running`];
}

/**
 * Operator actions in an element: the control of each worker, queue or dead-letter list that has declared
 * actions (a button opening the dialog, and the last outcome beside it), and the one confirmation dialog.
 * Nothing renders unless the stream's token may operate (`can` has `operate`). The dialog (native, modal:
 * focus stays inside, Escape cancels) lists the subject's actions, then shows the chosen one's confirm text
 * and a form built from its `params` (checked by the browser before sending), then its outcome as it arrives
 * (the same outcome every dashboard shows beside the control).
 */
export class ActionController implements ReactiveController {
  readonly #host: ActionHost;
  /** The declared actions per subject, built once per worker map. */
  #choices: { workers: DashboardState['workers']; by: Map<string, Choice[]> } | null = null;
  /** The newest action per subject, built once per action map. */
  #latest: { actions: DashboardState['actions']; by: Map<string, Action> } | null = null;
  readonly #refused = new Map<string, Refusal>();
  /** The dialog's state: whose actions it shows, the chosen one, and what became of the request. */
  #subject: Subject | null = null;
  #chosen: Choice | null = null;
  #sending = false;
  #sent: string | null = null;
  #error: string | null = null;
  /** Move focus into the dialog's new step after the next render. */
  #focus = false;

  constructor(host: ActionHost) {
    this.#host = host;
    host.addController(this);
  }

  hostUpdated(): void {
    const dialog = this.#host.renderRoot.querySelector('dialog');
    if (!dialog) return;
    if (this.#subject && !dialog.open) dialog.showModal();
    if (this.#focus) dialog.querySelector<HTMLElement>('[autofocus]')?.focus();
    this.#focus = false;
  }

  /** What the control of `subject` shows now, for an element that redraws only what changed. */
  stateOf(data: DashboardState, subject: Subject): unknown {
    return this.#last(data, subject)?.[0];
  }

  /** Whether this stream may operate and some worker declares a `target` action: a table adds its column. */
  offers(data: DashboardState, target: ActionTarget): boolean {
    this.#choicesFor(data, { target, key: '', name: '' });
    // Not the declarations on one entry (a key ending in a line break): those go in an opened dead letter.
    return (
      data.can.includes('operate') &&
      [...this.#choices!.by.keys()].some((k) => k.startsWith(`${target}\n`) && !k.endsWith('\n'))
    );
  }

  /**
   * `subject`'s control: nothing unless this stream may operate and some worker declares an action for it.
   * A ⋯ button opening the list of its actions, or with `each` a button per action (where there is room).
   */
  control(data: DashboardState, subject: Subject, each?: boolean): unknown {
    const choices = this.#choicesFor(data, subject);
    if (!data.can.includes('operate') || choices.length === 0) return nothing;
    const [latest, label] = this.#last(data, subject) ?? [];
    const [tone, words] = latest ? outcome(label!, latest) : [];
    // One ⋯ opening the list, or (each) a button per action going straight to it.
    return html`<span class="acts" part="actions">
      ${(each ? choices : [null]).map(
        (choice) =>
          html`<button type="button" class="act ${choice?.declaration.dangerous ? 'danger' : ''}" part="action" aria-haspopup="dialog" aria-label=${choice ? nothing : `Actions: ${subject.name}`} @click=${(
            e: Event,
          ) => {
            // Not a pick of the row it sits in.
            e.stopPropagation();
            this.#open(subject, choice ? [choice] : choices);
          }}>${choice ? choice.declaration.label : '⋯'}</button>`,
      )}
      ${words ? html`<span class="act-state ${tone}" part="action-status" title=${words}>${words}</span>` : nothing}
    </span>`;
  }

  /** The dialog, once per element (outside the body, so a held or paused body does not hold it). */
  dialog(data: DashboardState | null): unknown {
    if (!data?.can.includes('operate')) return nothing;
    const subject = this.#subject;
    const chosen = this.#chosen;
    const sent = this.#sent ? data.actions.get(this.#sent) : undefined;
    const label = chosen?.declaration.label ?? 'Actions';
    // Focus goes to the first field, else to Cancel (or Close): never to a dangerous button Enter would confirm.
    const hasFields = !!chosen && fields(subject!, chosen.declaration).length > 0;
    return html`<dialog part="dialog" aria-labelledby="act-title" @cancel=${this.#close} @close=${this.#reset}>
      ${
        subject
          ? html`<form @submit=${this.#submit}>
            <h2 id="act-title">${truncate(`${label} · ${subject.name}`, NAME_MAX)}</h2>
            ${
              chosen
                ? this.#form(subject, chosen, !!this.#sent)
                : html`<ul>
                  ${this.#choicesFor(data, subject).map(
                    (choice, i) => html`<li>
                      <button
                        type="button"
                        class=${choice.declaration.dangerous ? 'danger' : ''}
                        ?autofocus=${i === 0}
                        @click=${() => this.#choose(choice)}
                      >
                        ${choice.declaration.label}
                      </button>
                    </li>`,
                  )}
                </ul>`
            }
            ${this.#error ? html`<p class="act-error" role="alert">${this.#error}</p>` : nothing}
            <p role="status">${this.#sending ? 'Sending…' : sent ? outcome(label, sent)[1] : ''}</p>
            <div class="act-buttons">
              <button type="button" ?autofocus=${!!chosen && (!!sent || !hasFields)} @click=${this.#close}>${sent ? 'Close' : 'Cancel'}</button>
              ${
                chosen && !sent
                  ? html`<button
                      type="submit"
                      class=${chosen.declaration.dangerous ? 'danger' : 'primary'}
                      ?disabled=${this.#sending}
                    >
                      ${label}
                    </button>`
                  : nothing
              }
            </div>
          </form>`
          : nothing
      }
    </dialog>`;
  }

  /** The chosen action: its confirm text, whether it is dangerous, and a field per parameter. */
  #form(subject: Subject, { declaration }: Choice, sent: boolean): unknown {
    if (sent) return nothing;
    const params = fields(subject, declaration);
    return html`${declaration.confirm ? html`<p>${declaration.confirm}</p>` : nothing}
      ${declaration.dangerous ? html`<p class="act-danger">This is dangerous and may not be undone.</p>` : nothing}
      ${params.map(([name, spec], i) => field(name, spec, i === 0))}`;
  }

  #open(subject: Subject, choices: Choice[]): void {
    this.#clear();
    this.#subject = subject;
    this.#focus = true;
    if (choices.length === 1) this.#choose(choices[0]!);
    else this.#host.requestUpdate();
  }

  /** Sends at once an action that asks nothing (no confirm text, not dangerous, no params); else asks first. */
  #choose(choice: Choice): void {
    this.#chosen = choice;
    this.#focus = true;
    const { confirm, dangerous } = choice.declaration;
    if (!confirm && !dangerous && fields(this.#subject!, choice.declaration).length === 0)
      void this.#send({});
    else this.#host.requestUpdate();
  }

  readonly #submit = (e: SubmitEvent): void => {
    // The browser has checked the fields (required, min, max, step, lengths) before the event.
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const params = fields(this.#subject!, this.#chosen!.declaration).flatMap(
      ([name, spec]): [string, ActionParams[string]][] => {
        const input = form.elements.namedItem(name) as HTMLInputElement;
        if (spec.type === 'boolean') return [[name, input.checked]];
        if (input.value === '') return [];
        return [[name, spec.type === 'number' ? Number(input.value) : input.value]];
      },
    );
    void this.#send(Object.fromEntries(params));
  };

  async #send(params: ActionParams): Promise<void> {
    const subject = this.#subject!;
    const { declaration, worker } = this.#chosen!;
    if (subject.id !== undefined) params.id = subject.id;
    const request = { worker, action: declaration.name, target: declaration.target, params };
    if (!this.#host.dispatchEvent(new PulseActionEvent(request))) return this.#close();
    this.#sending = true;
    this.#error = null;
    this.#host.requestUpdate();
    const key = subjectKey(subject.target, subject.key, subject.id);
    let sent: string | null = null;
    try {
      sent = (await this.#host.source!.act(request)).id;
      this.#refused.delete(key);
    } catch (error) {
      this.#error = String((error as Error)?.message ?? error);
      this.#refused.set(key, { label: declaration.label, message: this.#error, at: Date.now() });
    }
    // The dialog may have closed, or moved on to another subject, meanwhile.
    if (this.#subject !== subject) return this.#host.requestUpdate();
    this.#sending = false;
    this.#sent = sent;
    this.#focus = true;
    this.#host.requestUpdate();
  }

  /**
   * Cancel, Close, Escape: forgotten at once, since an update before the close event (a busy stream) would
   * otherwise open the dialog again.
   */
  readonly #close = (): void => {
    this.#clear();
    this.#host.renderRoot.querySelector('dialog')?.close();
    this.#host.requestUpdate();
  };

  /** The dialog closed (its buttons, Escape): it starts from the list next time. */
  readonly #reset = (): void => {
    // The close event comes a task later: the dialog may have been opened again meanwhile.
    if (this.#host.renderRoot.querySelector('dialog')?.open) return;
    this.#clear();
    this.#host.requestUpdate();
  };

  #clear(): void {
    this.#subject = this.#chosen = this.#sent = this.#error = null;
    this.#sending = false;
  }

  /** The actions declared for `subject`, by the workers now registered (for a queue: the first that can, by name). */
  #choicesFor(data: DashboardState, subject: Subject): Choice[] {
    if (this.#choices?.workers !== data.workers) {
      const by = new Map<string, Choice[]>();
      // A worker that answers before one that is offline, when both declare a queue's action.
      const workers = [...data.workers.values()]
        .filter((w) => w.actions.length)
        .sort((a, b) => +(a.status === 'offline') - +(b.status === 'offline'));
      for (const w of workers)
        for (const declaration of w.actions) {
          const { target } = declaration;
          const key = subjectKey(
            target,
            target === 'worker' ? w.id : w.queue,
            actsOnOneDeadLetter(declaration) && '',
          );
          const list = by.get(key) ?? by.set(key, []).get(key)!;
          if (!list.some((c) => c.declaration.name === declaration.name))
            list.push({ declaration, worker: w.id });
        }
      this.#choices = { workers: data.workers, by };
    }
    const choices = this.#choices.by.get(subjectKey(subject.target, subject.key, subject.id && '')) ?? [];
    // An entry's actions go to the worker that reported it, when it declares them.
    const own = subject.worker && data.workers.get(subject.worker)?.actions;
    if (!own) return choices;
    return choices.map((c) =>
      own.some((d) => d.name === c.declaration.name) ? { ...c, worker: subject.worker! } : c,
    );
  }

  /** The newest action on `subject` (any of its names), or a newer refusal here, with its label. */
  #last(data: DashboardState, subject: Subject): [Action | Refusal, string] | undefined {
    if (this.#latest?.actions !== data.actions) {
      const by = new Map<string, Action>();
      // Oldest first: the last one set is the newest.
      for (const a of data.actions.values()) by.set(subjectOf(a), a);
      this.#latest = { actions: data.actions, by };
    }
    const key = subjectKey(subject.target, subject.key, subject.id);
    const action = this.#latest.by.get(key);
    const refused = this.#refused.get(key);
    if (refused && refused.at > (action?.requestedAt ?? 0)) return [refused, refused.label];
    if (!action) return undefined;
    const name = action.action;
    return [
      action,
      this.#choicesFor(data, subject).find((c) => c.declaration.name === name)?.declaration.label ?? name,
    ];
  }
}

/** A parameter's field, labelled, with the limits its declaration gives (the browser enforces them). */
function field(name: string, spec: ActionParamSpec, first: boolean): unknown {
  const input =
    spec.type === 'boolean'
      ? html`<input type="checkbox" name=${name} ?autofocus=${first} />`
      : spec.type === 'enum'
        ? html`<select name=${name} ?required=${spec.required} ?autofocus=${first}>
            ${spec.required ? nothing : html`<option value=""></option>`}
            ${spec.values?.map((v) => html`<option>${v}</option>`)}
          </select>`
        : html`<input
            name=${name}
            type=${spec.type === 'number' ? 'number' : 'text'}
            ?required=${spec.required}
            ?autofocus=${first}
            min=${spec.minimum ?? nothing}
            max=${spec.maximum ?? nothing}
            step=${spec.integer ? 1 : 'any'}
            minlength=${spec.minLength ?? nothing}
            maxlength=${spec.maxLength ?? nothing}
          />`;
  return html`<label class="act-field">
    <span>${spec.label ?? name}${spec.required ? ' (required)' : ''}</span>
    ${input} ${spec.description ? html`<small>${spec.description}</small>` : nothing}
  </label>`;
}

declare global {
  interface GlobalEventHandlersEventMap {
    'pulse-action': PulseActionEvent;
  }
}
