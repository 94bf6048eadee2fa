import type { PendingCall } from '../protocol';
import { h } from '../dom';
import { Choice, refuses } from '../model/approval';
import { decidedText, whatOf } from '../model/approvalKeys';
import { ArgsForm, buildArgsForm } from './schemaForm';
import { toolHints } from './annotations';
import { jupyterPreview } from '../context/jupyterCard';

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

const KEYS: Partial<Record<Choice, string>> = { approve: 'A', edit: 'E', reject: 'R' };

function hint(choice: Choice, what: string): string {
  switch (choice) {
    case 'approve':
      return `Run ${what} with these arguments (key A)`;
    case 'edit':
      return `Change the arguments, then run ${what} (key E)`;
    case 'reject':
      return `Do not run ${what}; the agent reads your reason (key R)`;
    case 'allow-chat':
      return `Approve, and run ${what} without asking in this chat from now on`;
    case 'allow-always':
      return `Approve, and run ${what} without asking in every chat from now on`;
    case 'block':
      return `Reject, and block ${what} in every chat from now on`;
  }
}

function choiceButton(choice: Choice, what: string): HTMLButtonElement {
  const main = choice === 'approve' || choice === 'edit' || choice === 'reject';
  return h(
    'button',
    {
      type: 'button',
      class: `mcpchat-btn mcpchat-choice${main ? '' : ' mcpchat-small'}${choice === 'approve' ? ' mcpchat-primary' : ''}`,
      'data-choice': choice,
      'data-testid': choice,
      'aria-keyshortcuts': KEYS[choice],
      // the label is the button's name, the hint its description (and tooltip)
      title: hint(choice, what)
    },
    LABELS[choice]
  );
}

export interface CardEvents {
  /** The user decided this call (one click, or "Run with these arguments"). */
  decided(card: ApprovalCard): void;
  /** The user took a decision back (Change, or cancelled an edit). */
  undecided(card: ApprovalCard): void;
}

/** The card of one pending call: its tool, description and arguments, and the choices. */
export class ApprovalCard {
  readonly el: HTMLElement;
  choice: Choice | null = null;
  private editing = false;
  private form: ArgsForm | null = null;
  private buttons: HTMLButtonElement[];
  private reasonBox: HTMLInputElement;
  private errorEl = h('div', { class: 'mcpchat-form-error mcpchat-card-error', 'data-testid': 'card-error', role: 'alert' });
  private choicesEl: HTMLElement;
  private editBox = h('div', { class: 'mcpchat-edit-box', hidden: true });
  private editForm = h('div', { class: 'mcpchat-edit-form' });
  private decidedEl = h('div', { class: 'mcpchat-decided', 'data-testid': 'card-decided', hidden: true });
  private decidedText = h('span', { 'data-testid': 'card-decided-text' });
  private changeBtn = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'change-decision' }, 'Change');

  constructor(
    readonly call: PendingCall,
    private events: CardEvents
  ) {
    const what = whatOf(call);
    this.reasonBox = h('input', {
      type: 'text',
      class: 'mcpchat-reason',
      'data-testid': 'reject-reason',
      'aria-label': `Reason if you reject ${what} (optional; the agent reads it)`,
      placeholder: 'Reason (optional)'
    });
    const main = (['approve', 'edit', 'reject'] as const).map(c => choiceButton(c, what));
    // a rule needs the call's server and tool (every pending call has them)
    const remember = call.server && call.tool ? (['allow-chat', 'allow-always', 'block'] as const).map(c => choiceButton(c, what)) : [];
    this.buttons = [...main, ...remember];
    for (const btn of this.buttons) {
      btn.addEventListener('click', () => this.choose(btn.dataset.choice as Choice));
    }
    const run = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'edit-run' }, 'Run with these arguments');
    run.addEventListener('click', () => this.runEdited());
    const cancel = h(
      'button',
      { type: 'button', class: 'mcpchat-btn', 'data-testid': 'edit-cancel', 'aria-keyshortcuts': 'Escape' },
      'Cancel edit'
    );
    cancel.addEventListener('click', () => this.cancelEdit());
    this.editBox.append(this.editForm, h('div', { class: 'mcpchat-choices' }, run, cancel));
    this.editBox.addEventListener('keydown', ev => {
      if (ev.key === 'Escape') {
        ev.preventDefault();
        ev.stopPropagation();
        this.cancelEdit();
      } else if (ev.key === 'Enter' && (ev.target as HTMLElement).matches('input')) {
        ev.preventDefault();
        this.runEdited(); // Enter in a field runs the edit, as in any form
      }
    });
    this.changeBtn.addEventListener('click', () => this.undo());
    this.decidedEl.append(this.decidedText, ' ', this.changeBtn);
    this.choicesEl = h(
      'div',
      { class: 'mcpchat-card-choices' },
      h('div', { class: 'mcpchat-choices', role: 'group', 'aria-label': `Decide ${what}` }, ...main),
      h('div', { class: 'mcpchat-reason-box' }, this.reasonBox),
      remember.length
        ? h(
            'div',
            { class: 'mcpchat-choices mcpchat-remember', role: 'group', 'aria-label': `Decide ${what} and remember it` },
            h('span', { class: 'mcpchat-remember-label', 'aria-hidden': 'true' }, 'and remember:'),
            ...remember
          )
        : null
    );
    this.reasonBox.addEventListener('keydown', ev => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        this.choose('reject'); // Enter in the reason box rejects with it
      }
    });
    this.el = h(
      'div',
      { class: 'mcpchat-toolcard mcpchat-pending', 'data-testid': 'approval-card', 'data-call-id': call.id, role: 'group', 'aria-label': `Tool call ${what}` },
      h(
        'div',
        { class: 'mcpchat-toolcard-head' },
        h('span', { class: 'mcpchat-tool-server', 'data-testid': 'tool-server' }, call.server ?? '?'),
        h('span', { class: 'mcpchat-tool-sep', 'aria-hidden': 'true' }, ' › '),
        h('span', { class: 'mcpchat-tool-name', 'data-testid': 'tool-name' }, call.tool ?? call.name),
        toolHints(call)
      ),
      call.description ? h('div', { class: 'mcpchat-tool-desc' }, call.description) : null,
      jupyterPreview(call) ?? argsPreview(call.args),
      this.choicesEl,
      this.editBox,
      this.decidedEl,
      this.errorEl
    );
  }

  /** A choice of the user (a click or a key). */
  choose(choice: Choice): void {
    if (choice === 'edit') {
      this.openEdit();
      return;
    }
    this.editing = false;
    this.choice = choice;
    this.events.decided(this);
  }

  /** Set a choice without telling the panel (Approve all / Reject all). */
  setChoice(choice: Choice): void {
    this.editing = false;
    this.choice = choice;
  }

  reason(): string {
    return this.reasonBox.value;
  }

  /** The edited arguments; throws with a readable message when a field is invalid. */
  editedArgs(): Record<string, unknown> {
    if (!this.form) {
      throw new Error('edited arguments are missing');
    }
    return this.form.read();
  }

  showError(text: string): void {
    this.errorEl.textContent = text;
  }

  focusMain(): void {
    const target = this.choice === null ? this.buttons[0] : this.changeBtn;
    if (this.choice === null && this.editing) {
      this.editForm.querySelector<HTMLElement>('input, select, textarea')?.focus();
      return;
    }
    target?.focus();
  }

  refresh(sent: boolean): void {
    this.el.dataset.choice = this.choice ?? (this.editing ? 'edit' : '');
    this.el.dataset.refuses = String(refuses(this.choice));
    this.choicesEl.hidden = this.choice !== null || this.editing;
    this.editBox.hidden = !(this.editing || this.choice === 'edit');
    this.decidedEl.hidden = this.choice === null;
    this.decidedText.textContent = this.choice ? decidedText(this.choice) + (sent ? ' — sending…' : '') : '';
    this.changeBtn.hidden = sent;
    for (const btn of this.buttons) {
      btn.disabled = sent;
    }
  }

  private openEdit(): void {
    this.form ??= buildArgsForm(this.call.input_schema, this.call.args);
    if (!this.form.el.isConnected) {
      this.editForm.append(this.form.el);
    }
    this.editing = true;
    this.choice = null;
    this.events.undecided(this);
    this.editForm.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }

  private runEdited(): void {
    try {
      this.form?.read();
    } catch (err) {
      this.showError((err as Error).message);
      return;
    }
    this.showError('');
    this.choice = 'edit';
    this.events.decided(this);
  }

  private cancelEdit(): void {
    this.editing = false;
    this.choice = null;
    this.events.undecided(this);
    this.buttons[1]?.focus(); // back on Edit
  }

  private undo(): void {
    this.choice = null;
    this.editing = false;
    this.events.undecided(this);
    this.buttons[0]?.focus();
  }
}
