import { html, nothing, type TemplateResult } from 'lit';
import type { ConnectionStatus } from '../transport/types.js';
import { formatClock, formatCountOf } from './format.js';
import { connectionLabel } from './status.js';

/** What the frame around every element shows; the parts a subclass draws are already rendered. */
export interface FrameParts {
  heading: string;
  /** Short text beside the title, the selection chip, the toolbar: `nothing` (or undefined) for none. */
  summary: unknown;
  chip: unknown;
  toolbar: unknown;
  body: unknown;
  /** Null without a client. */
  status: ConnectionStatus | null;
  /** Why the connection is not open, for the status line; null while the body says it (or there is nothing to say). */
  error: string | null;
  /** Whether the data on screen may be out of date (shown, and the connection not open). */
  stale: boolean;
  /** Whether the body waits for its first snapshot. */
  busy: boolean;
  paused: boolean;
  /** Updates held back (paused, or the user's pointer or text selection in a list). */
  waiting: number;
  /** Shows what waits: unpauses, and ends the pointer's or selection's hold. */
  resume(): void;
  reconnect(): void;
}

/** The panel every element draws: title, summary, selection chip and status line, toolbar, then the body. */
export function frame(p: FrameParts): TemplateResult {
  return html`<section class="frame" part="frame" aria-labelledby="title">
      <header class="header" part="header">
        <h2 class="title" id="title" part="title">${p.heading}</h2>
        ${p.summary}
        ${p.chip}
        ${p.status ? statusLine(p, p.status) : nothing}
      </header>
      ${p.toolbar}
      <div class="body ${p.stale ? 'stale' : ''}" part="body" aria-busy=${p.busy}>
        ${p.body}
      </div>
    </section>`;
}

function statusLine(p: FrameParts, status: ConnectionStatus): TemplateResult {
  const label = connectionLabel(status, Date.now());
  const { state } = status;
  return html`<div class="status-line">
      ${
        p.paused || p.waiting
          ? html`<span class="waiting" part="waiting">${p.paused ? 'Paused · ' : ''}${formatCountOf(p.waiting, 'update')} waiting</span
              ><button type="button" part="resume" @click=${p.resume}>Resume</button>`
          : nothing
      }
      ${p.stale ? html`<span part="stale">Stale since ${formatClock(status.staleSince)}</span>` : nothing}
      ${p.error ? html`<span class="error-note">${p.error}</span>` : nothing}
      <span class="connection" part="connection" data-state=${state} title=${label}>
        <span class="dot"></span><span class="label">${label}</span>
      </span>
      <span class="visually-hidden" role="status">${connectionLabel(status)}</span>
      ${
        state === 'failed' || state === 'reconnecting'
          ? html`<button type="button" class="primary" part="reconnect" @click=${p.reconnect}>Retry now</button>`
          : nothing
      }
    </div>`;
}

/** A centred message: empty states, missing connection. */
export const notice = (title: string, hint: unknown): TemplateResult =>
  html`<div class="notice" part="notice"><strong>${title}</strong><span>${hint}</span></div>`;
