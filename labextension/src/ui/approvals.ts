import type { Decision, PendingCall } from '../protocol';
import { h } from '../dom';
import { toDecision } from '../model/approval';
import { panelKey, shortcutChoice, whatOf } from '../model/approvalKeys';
import type { DecisionError } from '../model/state';
import { ApprovalCard } from './approvalCard';

export { argsPreview } from './approvalCard';

/**
 * The approval panel of one paused turn: one card per pending call. Every choice on a card is one
 * click (Approve, Reject, Allow in this chat, Always allow, Block; Edit opens the argument form and
 * its "Run with these arguments" decides); once every call has its choice the decisions go out.
 * With several calls, Approve all / Reject all decide them together.
 *
 * Keys (on the panel, outside its text boxes): A approve, E edit, R reject the focused card (or
 * the first undecided one); Shift+A approve all, Shift+R reject all; Escape closes an edit form.
 *
 * It lives as long as the same calls wait: when the server refuses the decisions (`showError`), the
 * choices, edits and reasons stay and "Send decisions again" sends them after a fix.
 */
export class ApprovalPanel {
  readonly el: HTMLElement;
  /** The ids of the calls it decides, in order (the panel is rebuilt when they change). */
  readonly key: string;
  private cards: ApprovalCard[];
  private error = h('div', { class: 'mcpchat-form-error', 'data-testid': 'decision-error', role: 'alert' });
  private submitBtn = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'submit-decisions', hidden: true },
    'Send decisions again'
  );
  private sent = false;
  /** Decisions went out once (a refusal or a failed send brings them back). */
  private attempted = false;

  constructor(
    calls: readonly PendingCall[],
    /** `hadFocus`: the user decided from the panel (the view moves the focus on, e.g. to the composer). */
    private submit: (decisions: Decision[], hadFocus: boolean) => void
  ) {
    this.key = panelKey(calls);
    this.cards = calls.map(
      call =>
        new ApprovalCard(call, {
          decided: card => this.onDecided(card),
          undecided: () => this.refresh()
        })
    );
    this.submitBtn.addEventListener('click', () => this.doSubmit(true));
    const several = calls.length > 1;
    const approveAll = h(
      'button',
      { type: 'button', class: 'mcpchat-btn', 'data-testid': 'approve-all', 'aria-keyshortcuts': 'Shift+A' },
      `Approve all ${calls.length}`
    );
    approveAll.addEventListener('click', () => this.decideAll('approve'));
    const rejectAll = h(
      'button',
      { type: 'button', class: 'mcpchat-btn', 'data-testid': 'reject-all', 'aria-keyshortcuts': 'Shift+R' },
      `Reject all ${calls.length}`
    );
    rejectAll.addEventListener('click', () => this.decideAll('reject'));
    const title =
      calls.length === 1
        ? `The agent wants to run ${whatOf(calls[0])}`
        : `The agent wants to run ${calls.length} tools`;
    this.el = h(
      'div',
      {
        class: 'mcpchat-approvals',
        'data-testid': 'approval-panel',
        role: 'region',
        'aria-label': 'Tool calls waiting for your approval'
      },
      h(
        'div',
        { class: 'mcpchat-approvals-title' },
        h('span', { 'data-testid': 'approvals-title' }, title),
        h(
          'span',
          { class: 'mcpchat-keys', 'data-testid': 'approval-keys' },
          several ? 'Keys: A approve · E edit · R reject · Shift+A / Shift+R all' : 'Keys: A approve · E edit · R reject'
        )
      ),
      several ? h('div', { class: 'mcpchat-approvals-actions' }, approveAll, rejectAll) : null,
      ...this.cards.map(c => c.el),
      this.error,
      h('div', { class: 'mcpchat-approvals-actions' }, this.submitBtn)
    );
    this.el.addEventListener('keydown', ev => this.onKey(ev));
    this.refresh();
  }

  /** The ids of the calls, as a key (see {@link panelKey}). */
  static keyOf(calls: readonly PendingCall[]): string {
    return panelKey(calls);
  }

  /** Focus the first undecided card's Approve (the user asked for the panel, e.g. with a key). */
  focus(): void {
    (this.cards.find(c => c.choice === null) ?? this.cards[0])?.focusMain();
  }

  /** The server refused the decisions (or `null`: no refusal now). A refusal opens the panel again. */
  showError(err: DecisionError | null): void {
    this.error.textContent = '';
    this.cards.forEach(c => c.showError(''));
    if (!err) {
      return;
    }
    const named = this.cards.filter(c => err.callIds.includes(c.call.id));
    named.forEach(c => c.showError(err.text));
    if (named.length === 0) {
      this.error.textContent = err.text;
    }
    this.reopen();
    (named[0] ?? this.cards[0])?.focusMain();
  }

  /** The decisions were not taken: they may be sent again. */
  reopen(): void {
    this.sent = false;
    this.refresh();
  }

  private onKey(ev: KeyboardEvent): void {
    if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey) {
      return;
    }
    const target = ev.target as HTMLElement;
    if (target.closest('input, textarea, select')) {
      return;
    }
    const choice = shortcutChoice(ev.key);
    if (!choice) {
      return;
    }
    ev.preventDefault();
    if (ev.shiftKey) {
      if (choice !== 'edit') {
        this.decideAll(choice);
      }
      return;
    }
    const card = this.cards.find(c => c.el.contains(target)) ?? this.cards.find(c => c.choice === null);
    card?.choose(choice);
  }

  private get hasFocus(): boolean {
    return this.el.contains(document.activeElement);
  }

  private decideAll(choice: 'approve' | 'reject'): void {
    const hadFocus = this.hasFocus;
    this.cards.forEach(c => c.setChoice(choice));
    this.doSubmit(hadFocus);
  }

  private onDecided(card: ApprovalCard): void {
    const hadFocus = this.hasFocus; // before the card's buttons hide
    this.refresh();
    const next = this.cards.find(c => c.choice === null);
    if (next) {
      next.focusMain(); // the next call waits
    } else if (!this.sent) {
      this.doSubmit(hadFocus);
    } else {
      card.focusMain();
    }
  }

  private refresh(): void {
    const allDecided = this.cards.every(c => c.choice !== null);
    // after a refusal (or a failed send) the same choices can be sent again
    this.submitBtn.hidden = !(allDecided && !this.sent && this.attempted);
    this.cards.forEach(c => c.refresh(this.sent));
  }

  private collect(): Decision[] | null {
    const out: Decision[] = [];
    for (const c of this.cards) {
      if (c.choice === null) {
        this.error.textContent = 'Decide every call first.';
        c.focusMain();
        return null;
      }
      try {
        out.push(toDecision(c.call.id, c.choice, { args: c.choice === 'edit' ? c.editedArgs() : undefined, reason: c.reason() }));
      } catch (err) {
        c.showError((err as Error).message);
        c.focusMain();
        return null;
      }
    }
    return out;
  }

  private doSubmit(hadFocus: boolean): void {
    this.showError(null);
    const decisions = this.collect();
    if (decisions) {
      this.sent = true;
      this.attempted = true;
      this.refresh();
      this.submit(decisions, hadFocus);
    }
  }
}
