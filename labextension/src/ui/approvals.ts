import type { Decision, PendingCall } from '../protocol';
import { h } from '../dom';
import { Choice, refuses, takesReason, toDecision } from '../model/approval';
import type { DecisionError } from '../model/state';
import { ArgsForm, buildArgsForm } from './schemaForm';

interface CardState {
  call: PendingCall;
  choice: Choice | null;
  form: ArgsForm | null;
  reason: HTMLInputElement;
  card: HTMLElement;
  error: HTMLElement;
  buttons: HTMLButtonElement[];
}

export function argsPreview(args: Record<string, unknown>): HTMLElement {
  return h('pre', { class: 'mcpchat-args', 'data-testid': 'tool-args' }, JSON.stringify(args, null, 2));
}

const LABELS: Record<Choice, string> = {
  approve: 'Approve',
  edit: 'Edit',
  reject: 'Reject',
  'allow-chat': 'Allow in this chat',
  'allow-always': 'Always allow',
  block: 'Block'
};

function hint(choice: Choice, what: string): string {
  switch (choice) {
    case 'allow-chat':
      return `Approve, and run ${what} without asking in this chat from now on`;
    case 'allow-always':
      return `Approve, and run ${what} without asking in every chat from now on`;
    case 'block':
      return `Reject, and block ${what} in every chat from now on`;
    default:
      return '';
  }
}

function choiceButton(choice: Choice, what: string): HTMLButtonElement {
  const title = hint(choice, what);
  return h(
    'button',
    {
      type: 'button',
      class: `mcpchat-btn mcpchat-choice${title ? ' mcpchat-small' : ''}`,
      'data-choice': choice,
      'data-testid': choice,
      'aria-pressed': 'false',
      // the label is the button's name, the hint its description (and tooltip)
      title: title || undefined
    },
    LABELS[choice]
  );
}

/**
 * The approval panel of one paused turn: a card per pending call (Approve / Edit / Reject with a
 * reason, and Allow in this chat / Always allow / Block, which also make a rule) and one "Submit
 * decisions" for all of them. It lives as long as the same calls wait: when the server refuses the
 * decisions (`showError`), the choices, edits and reasons stay and can be submitted again.
 */
export class ApprovalPanel {
  readonly el: HTMLElement;
  /** The ids of the calls it decides, in order (the panel is rebuilt when they change). */
  readonly key: string;
  private states: CardState[] = [];
  private error = h('div', { class: 'mcpchat-form-error', 'data-testid': 'decision-error', role: 'alert' });
  private submitBtn = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'submit-decisions', disabled: true },
    'Submit decisions'
  );
  private sent = false;

  constructor(
    calls: readonly PendingCall[],
    private submit: (decisions: Decision[]) => void
  ) {
    this.key = ApprovalPanel.keyOf(calls);
    const cards = calls.map(call => this.card(call));
    this.submitBtn.addEventListener('click', () => this.doSubmit());
    const approveAll = h('button', { type: 'button', class: 'mcpchat-btn', 'data-testid': 'approve-all' }, 'Approve all');
    approveAll.addEventListener('click', () => {
      this.states.forEach(s => (s.choice = 'approve'));
      this.refresh();
      this.doSubmit();
    });
    const rejectAll = h('button', { type: 'button', class: 'mcpchat-btn', 'data-testid': 'reject-all' }, 'Reject all');
    rejectAll.addEventListener('click', () => this.states.forEach(s => this.choose(s, 'reject')));
    this.el = h(
      'div',
      { class: 'mcpchat-approvals', 'data-testid': 'approval-panel', role: 'region', 'aria-label': 'Tool calls waiting for approval' },
      h(
        'div',
        { class: 'mcpchat-approvals-title' },
        calls.length === 1 ? 'The agent wants to run a tool' : `The agent wants to run ${calls.length} tools`
      ),
      ...cards,
      this.error,
      h('div', { class: 'mcpchat-approvals-actions' }, this.submitBtn, approveAll, rejectAll)
    );
    this.refresh();
  }

  static keyOf(calls: readonly PendingCall[]): string {
    return JSON.stringify(calls.map(c => c.id));
  }

  /** The server refused the decisions (or `null`: no refusal now). A refusal opens the panel again. */
  showError(err: DecisionError | null): void {
    this.error.textContent = '';
    for (const s of this.states) {
      s.error.textContent = '';
    }
    if (!err) {
      return;
    }
    const named = this.states.filter(s => err.callIds.includes(s.call.id));
    for (const s of named) {
      s.error.textContent = err.text;
    }
    if (named.length === 0) {
      this.error.textContent = err.text;
    }
    this.reopen();
  }

  /** The decisions were not taken: they may be submitted again. */
  reopen(): void {
    this.sent = false;
    this.refresh();
  }

  private card(call: PendingCall): HTMLElement {
    const what = call.server && call.tool ? `${call.server}:${call.tool}` : call.name;
    const reason = h('input', {
      type: 'text',
      class: 'mcpchat-reason',
      'data-testid': 'reject-reason',
      'aria-label': `Why not run ${what}? (the agent reads this)`,
      placeholder: 'Why? (the agent reads this)'
    });
    const main = (['approve', 'edit', 'reject'] as const).map(c => choiceButton(c, what));
    // a rule needs the call's server and tool (every pending call has them)
    const remember = call.server && call.tool ? (['allow-chat', 'allow-always', 'block'] as const).map(c => choiceButton(c, what)) : [];
    const error = h('div', { class: 'mcpchat-form-error mcpchat-card-error', 'data-testid': 'card-error', role: 'alert' });
    const card = h(
      'div',
      { class: 'mcpchat-toolcard mcpchat-pending', 'data-testid': 'approval-card', 'data-call-id': call.id },
      h(
        'div',
        { class: 'mcpchat-toolcard-head' },
        h('span', { class: 'mcpchat-tool-server', 'data-testid': 'tool-server' }, call.server ?? '?'),
        h('span', { class: 'mcpchat-tool-sep' }, ' › '),
        h('span', { class: 'mcpchat-tool-name', 'data-testid': 'tool-name' }, call.tool ?? call.name)
      ),
      call.description ? h('div', { class: 'mcpchat-tool-desc' }, call.description) : null,
      argsPreview(call.args),
      h('div', { class: 'mcpchat-choices', role: 'group', 'aria-label': `Decide ${what}` }, ...main),
      remember.length
        ? h(
            'div',
            { class: 'mcpchat-choices mcpchat-remember', role: 'group', 'aria-label': `Decide ${what} and remember it` },
            h('span', { class: 'mcpchat-remember-label', 'aria-hidden': 'true' }, 'and remember:'),
            ...remember
          )
        : null,
      h('div', { class: 'mcpchat-edit-box', hidden: true }),
      h('div', { class: 'mcpchat-reason-box', hidden: true }, reason),
      error
    );
    const state: CardState = { call, choice: null, form: null, reason, card, error, buttons: [...main, ...remember] };
    for (const btn of state.buttons) {
      btn.addEventListener('click', () => this.choose(state, btn.dataset.choice as Choice));
    }
    this.states.push(state);
    return card;
  }

  private choose(s: CardState, choice: Choice): void {
    s.choice = choice;
    if (choice === 'edit' && !s.form) {
      s.form = buildArgsForm(s.call.input_schema, s.call.args);
      s.card.querySelector('.mcpchat-edit-box')!.append(s.form.el);
    }
    if (takesReason(choice)) {
      window.setTimeout(() => s.reason.focus(), 0);
    }
    this.refresh();
  }

  private refresh(): void {
    const undecided = this.states.filter(s => s.choice === null).length;
    this.submitBtn.disabled = this.sent || undecided > 0;
    this.submitBtn.title = undecided > 0 ? `${undecided} call(s) still need a decision` : '';
    for (const s of this.states) {
      s.card.dataset.choice = s.choice ?? '';
      s.card.dataset.refuses = String(refuses(s.choice));
      for (const btn of s.buttons) {
        const selected = btn.dataset.choice === s.choice;
        btn.classList.toggle('mcpchat-selected', selected);
        btn.setAttribute('aria-pressed', String(selected));
      }
      s.card.querySelector<HTMLElement>('.mcpchat-edit-box')!.hidden = s.choice !== 'edit';
      s.card.querySelector<HTMLElement>('.mcpchat-reason-box')!.hidden = !takesReason(s.choice);
    }
  }

  private collect(): Decision[] | null {
    const out: Decision[] = [];
    for (const s of this.states) {
      if (s.choice === null) {
        this.error.textContent = 'Decide every call first.';
        return null;
      }
      try {
        const args = s.choice === 'edit' ? s.form!.read() : undefined;
        out.push(toDecision(s.call.id, s.choice, { args, reason: s.reason.value }));
      } catch (err) {
        s.error.textContent = (err as Error).message;
        return null;
      }
    }
    return out;
  }

  private doSubmit(): void {
    this.showError(null);
    const decisions = this.collect();
    if (decisions) {
      this.sent = true;
      this.refresh();
      this.submit(decisions);
    }
  }
}
