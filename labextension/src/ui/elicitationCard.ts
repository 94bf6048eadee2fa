/**
 * The card of an MCP server's elicitation request: the server asks the user for input while one
 * of its tool calls runs. Form mode shows the same schema form as argument edits; URL mode shows
 * the URL in full, as text, with Open (a new tab, no opener; http and https only) and Decline.
 *
 * The server's name, message, field names and URL are its own text: text nodes only.
 */
import type { ElicitationAnswerFrame, ElicitationRequestFrame, JSONSchema } from '../protocol';
import { h } from '../dom';
import { isOpen, ServerRequestCard, statusText } from '../model/serverRequests';
import { ArgsForm, buildArgsForm } from './schemaForm';

export type ElicitationAnswer = Pick<ElicitationAnswerFrame, 'action' | 'content'>;

/** `url` if it is an absolute http(s) URL, else null (never opened). */
export function openableUrl(url: string): string | null {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function button(label: string, testid: string, title: string, onclick: () => void, primary = false): HTMLButtonElement {
  return h(
    'button',
    { type: 'button', class: `mcpchat-btn${primary ? ' mcpchat-primary' : ''}`, 'data-testid': testid, title, onclick },
    label
  );
}

export class ElicitationCard {
  readonly el: HTMLElement;
  private error = h('div', { class: 'mcpchat-request-error', role: 'alert', 'data-testid': 'request-error', hidden: true });
  private status = h('div', { class: 'mcpchat-request-status', role: 'status', 'data-testid': 'request-status' });
  private actions = h('div', { class: 'mcpchat-request-actions' });
  private form: ArgsForm | null = null;

  constructor(private request: ElicitationRequestFrame, private answer: (a: ElicitationAnswer) => void) {
    const body: HTMLElement[] = [];
    if (request.mode === 'form') {
      this.form = buildArgsForm((request.requested_schema ?? {}) as JSONSchema, {});
      body.push(this.form.el);
      this.actions.append(
        button('Accept', 'elicit-accept', 'Send these values to the server', () => this.accept(), true),
        button('Decline', 'elicit-decline', 'Refuse: the server is told you declined', () => this.send({ action: 'decline' })),
        button('Cancel', 'elicit-cancel', 'Dismiss without choosing', () => this.send({ action: 'cancel' }))
      );
    } else {
      const url = request.url ?? '';
      body.push(h('div', { class: 'mcpchat-request-url', 'data-testid': 'elicit-url' }, url));
      const open = button('Open', 'elicit-open', 'Open this URL in a new tab', () => this.open(url), true);
      open.disabled = openableUrl(url) === null;
      this.actions.append(open, button('Decline', 'elicit-decline', 'Do not open it', () => this.send({ action: 'decline' })));
    }
    this.el = h(
      'section',
      { class: 'mcpchat-request-card', 'data-testid': 'elicitation-card', 'data-request': request.request_id, 'aria-label': 'A server asks for input' },
      h('div', { class: 'mcpchat-request-head' }, 'MCP server ', h('strong', { 'data-testid': 'request-server' }, request.server), ' asks:'),
      h('div', { class: 'mcpchat-request-message', 'data-testid': 'request-message' }, request.message),
      ...body,
      this.error,
      this.actions,
      this.status
    );
  }

  update(card: ServerRequestCard): void {
    const open = isOpen(card);
    this.el.dataset.status = card.status;
    this.actions.hidden = !open;
    const blocked = this.request.mode === 'url' && openableUrl(this.request.url ?? '') === null;
    this.actions.querySelectorAll('button').forEach(b => {
      b.disabled = card.status === 'sent' || (b.dataset.testid === 'elicit-open' && blocked);
    });
    this.showError(card.status === 'waiting' ? card.note : card.refused ?? null);
    this.status.textContent = card.status === 'waiting' ? '' : statusText(card);
  }

  private showError(text: string | null): void {
    this.error.hidden = !text;
    this.error.textContent = text ?? '';
  }

  private accept(): void {
    let content: Record<string, unknown>;
    try {
      content = this.form ? this.form.read() : {};
    } catch (e) {
      this.showError((e as Error).message);
      return;
    }
    this.send({ action: 'accept', content });
  }

  private open(url: string): void {
    const href = openableUrl(url);
    if (href === null) {
      return;
    }
    window.open(href, '_blank', 'noopener,noreferrer');
    this.send({ action: 'accept' });
  }

  private send(a: ElicitationAnswer): void {
    this.showError(null);
    this.answer(a);
  }
}
