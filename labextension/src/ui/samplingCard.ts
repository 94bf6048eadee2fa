/**
 * The card of an MCP server's sampling request: the server asks the chat's model for a
 * completion. Stage `request` shows what would run (the messages, the system prompt, the token
 * limit, the server's model hints) with Approve / Edit / Reject; Edit lets the user change the
 * messages' text and the limit. Stage `result` shows the model's answer: "Return this to the
 * server?" Approve / Reject. Nothing is returned unless approved both times.
 *
 * Everything the server or the model wrote is text (text nodes only).
 */
import type { SamplingAnswerFrame, SamplingRequestFrame } from '../protocol';
import { h } from '../dom';
import { isOpen, ServerRequestCard, statusText } from '../model/serverRequests';
import { usageText } from '../model/usage';

export type SamplingAnswer = Pick<SamplingAnswerFrame, 'action' | 'messages' | 'max_tokens' | 'reason'>;

function button(label: string, testid: string, title: string, onclick: () => void, primary = false): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: `mcpchat-btn${primary ? ' mcpchat-primary' : ''}`, 'data-testid': testid, title, onclick },
    label
  );
}

function limitText(r: SamplingRequestFrame): string {
  const capped = r.max_tokens < r.requested_max_tokens ? ` (the server asked for ${r.requested_max_tokens}; capped)` : '';
  return `At most ${r.max_tokens} tokens${capped}`;
}

export class SamplingCard {
  readonly el: HTMLElement;
  private error = h('div', { class: 'mcpchat-request-error', role: 'alert', 'data-testid': 'request-error', hidden: true });
  private status = h('div', { class: 'mcpchat-request-status', role: 'status', 'data-testid': 'request-status' });
  private actions = h('div', { class: 'mcpchat-request-actions' });
  private reason = h('input', { type: 'text', class: 'mcpchat-request-reason', 'data-testid': 'sampling-reason', placeholder: 'Why (told to the server)', 'aria-label': 'Why you reject it' });
  private editor: { texts: HTMLTextAreaElement[]; limit: HTMLInputElement } | null = null;
  private body: HTMLElement;

  constructor(private request: SamplingRequestFrame, private answer: (a: SamplingAnswer) => void) {
    const result = request.stage === 'result';
    this.body = h('div', { class: 'mcpchat-request-body' });
    this.showMessages();
    const head = result
      ? ['The model answered MCP server ', h('strong', { 'data-testid': 'request-server' }, request.server), '. Return this to the server?']
      : ['MCP server ', h('strong', { 'data-testid': 'request-server' }, request.server), ` asks the chat's model${request.model ? ` (${request.model})` : ''} for a completion:`];
    const details = [
      h('div', { class: 'mcpchat-request-meta', 'data-testid': 'sampling-limit' }, limitText(request)),
      request.model_hints.length ? h('div', { class: 'mcpchat-request-meta' }, `Model hints: ${request.model_hints.join(', ')}`) : null,
      result ? h('pre', { class: 'mcpchat-request-result', 'data-testid': 'sampling-result' }, request.result ?? '') : null,
      // what it spent on the chat's model (counted in the chat's usage, returned or not)
      result && request.usage ? h('div', { class: 'mcpchat-request-meta', 'data-testid': 'sampling-usage' }, `Used ${usageText(request.usage)} tokens`) : null
    ];
    if (result) {
      this.actions.append(
        button('Approve', 'sampling-approve', 'Return this answer to the server', () => this.answer({ action: 'approve' }), true),
        button('Reject', 'sampling-reject', 'Do not return it: the server gets an error', () => this.reject()),
        this.reason
      );
    } else {
      this.actions.append(
        button('Approve', 'sampling-approve', 'Run the model on these messages (no tools)', () => this.approve(), true),
        button('Edit', 'sampling-edit', 'Change the messages or the token limit, then approve', () => this.edit()),
        button('Reject', 'sampling-reject', 'Do not run the model: the server gets an error', () => this.reject()),
        this.reason
      );
    }
    this.el = h(
      'section',
      { class: 'mcpchat-request-card', 'data-testid': 'sampling-card', 'data-stage': request.stage, 'data-request': request.request_id, 'aria-label': 'A server asks for a model completion' },
      h('div', { class: 'mcpchat-request-head' }, ...head),
      this.body,
      ...details,
      this.error,
      this.actions,
      this.status
    );
  }

  private showMessages(): void {
    const r = this.request;
    const system = r.system_prompt
      ? h('div', { class: 'mcpchat-request-msg' }, h('span', { class: 'mcpchat-request-role' }, 'system'), h('pre', { 'data-testid': 'sampling-system' }, r.system_prompt))
      : null;
    const msgs = r.messages.map(m =>
      h('div', { class: 'mcpchat-request-msg' }, h('span', { class: 'mcpchat-request-role' }, m.role), h('pre', { 'data-testid': 'sampling-message' }, m.text))
    );
    this.body.replaceChildren(...[system, ...msgs].filter((x): x is HTMLDivElement => x !== null));
  }

  update(card: ServerRequestCard): void {
    this.el.dataset.status = card.status;
    this.actions.hidden = !isOpen(card);
    this.actions.querySelectorAll('button').forEach(b => (b.disabled = card.status === 'sent'));
    const note = card.status === 'waiting' ? card.note : card.refused ?? null;
    this.error.hidden = !note;
    this.error.textContent = note ?? '';
    this.status.textContent = card.status === 'waiting' ? '' : statusText(card);
  }

  private edit(): void {
    if (this.editor) {
      return;
    }
    const texts = this.request.messages.map((m, i) => {
      const area = h('textarea', { rows: 3, class: 'mcpchat-json', 'data-testid': `sampling-edit-${i}`, 'aria-label': `Message ${i + 1} (${m.role})` });
      area.value = m.text;
      return area;
    });
    const limit = h('input', { type: 'number', min: 1, step: 1, 'data-testid': 'sampling-edit-limit', 'aria-label': 'Token limit' });
    limit.value = String(this.request.max_tokens);
    this.editor = { texts, limit };
    this.body.replaceChildren(...texts, h('label', { class: 'mcpchat-request-meta' }, 'Token limit ', limit));
  }

  private approve(): void {
    if (!this.editor) {
      this.answer({ action: 'approve' });
      return;
    }
    const limit = Number(this.editor.limit.value);
    if (!Number.isInteger(limit) || limit < 1) {
      this.error.hidden = false;
      this.error.textContent = 'the token limit must be a whole number of at least 1';
      return;
    }
    const messages = this.request.messages.map((m, i) => ({ role: m.role, text: this.editor!.texts[i].value }));
    this.answer({ action: 'approve', messages, max_tokens: limit });
  }

  private reject(): void {
    this.answer({ action: 'reject', reason: this.reason.value.trim() || null });
  }
}
