import type { Decision, PendingCall } from '../protocol';
import { h } from '../dom';
import { ArgsForm, buildArgsForm } from './schemaForm';

type Choice = 'approve' | 'edit' | 'reject' | null;

interface CardState {
  call: PendingCall;
  choice: Choice;
  form: ArgsForm | null;
  reason: HTMLInputElement;
  card: HTMLElement;
}

export function argsPreview(args: Record<string, unknown>): HTMLElement {
  return h('pre', { class: 'mcpchat-args', 'data-testid': 'tool-args' }, JSON.stringify(args, null, 2));
}

/**
 * The approval panel of one paused turn: a card per pending call (Approve / Edit / Reject with
 * reason) and one "Submit decisions" for all of them.
 */
export function renderApprovals(calls: readonly PendingCall[], submit: (decisions: Decision[]) => void): HTMLElement {
  const states: CardState[] = [];
  const error = h('div', { class: 'mcpchat-form-error', 'data-testid': 'decision-error' });
  const submitBtn = h(
    'button',
    { class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'submit-decisions', disabled: true },
    'Submit decisions'
  );

  const refresh = () => {
    const undecided = states.filter(s => s.choice === null).length;
    submitBtn.disabled = undecided > 0;
    submitBtn.title = undecided > 0 ? `${undecided} call(s) still need a decision` : '';
    for (const s of states) {
      s.card.dataset.choice = s.choice ?? '';
      for (const btn of Array.from(s.card.querySelectorAll<HTMLButtonElement>('.mcpchat-choice'))) {
        btn.classList.toggle('mcpchat-selected', btn.dataset.choice === s.choice);
      }
      const formBox = s.card.querySelector<HTMLElement>('.mcpchat-edit-box')!;
      formBox.hidden = s.choice !== 'edit';
      const reasonBox = s.card.querySelector<HTMLElement>('.mcpchat-reason-box')!;
      reasonBox.hidden = s.choice !== 'reject';
    }
  };

  const choose = (s: CardState, choice: Choice) => {
    s.choice = choice;
    if (choice === 'edit' && !s.form) {
      s.form = buildArgsForm(s.call.input_schema, s.call.args);
      s.card.querySelector('.mcpchat-edit-box')!.append(s.form.el);
    }
    if (choice === 'reject') {
      window.setTimeout(() => s.reason.focus(), 0);
    }
    refresh();
  };

  const cards = calls.map(call => {
    const reason = h('input', {
      type: 'text',
      class: 'mcpchat-reason',
      'data-testid': 'reject-reason',
      placeholder: 'Why? (the agent reads this)'
    });
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
      h(
        'div',
        { class: 'mcpchat-choices' },
        h('button', { class: 'mcpchat-btn mcpchat-choice', 'data-choice': 'approve', 'data-testid': 'approve' }, 'Approve'),
        h('button', { class: 'mcpchat-btn mcpchat-choice', 'data-choice': 'edit', 'data-testid': 'edit' }, 'Edit'),
        h('button', { class: 'mcpchat-btn mcpchat-choice', 'data-choice': 'reject', 'data-testid': 'reject' }, 'Reject')
      ),
      h('div', { class: 'mcpchat-edit-box', hidden: true }),
      h('div', { class: 'mcpchat-reason-box', hidden: true }, reason)
    );
    const state: CardState = { call, choice: null, form: null, reason, card };
    for (const btn of Array.from(card.querySelectorAll<HTMLButtonElement>('.mcpchat-choice'))) {
      btn.addEventListener('click', () => choose(state, btn.dataset.choice as Choice));
    }
    states.push(state);
    return card;
  });

  const collect = (): Decision[] | null => {
    const out: Decision[] = [];
    for (const s of states) {
      if (s.choice === 'approve') {
        out.push({ call_id: s.call.id, action: 'approve' });
      } else if (s.choice === 'reject') {
        out.push({ call_id: s.call.id, action: 'reject', reason: s.reason.value.trim() || null });
      } else if (s.choice === 'edit') {
        try {
          out.push({ call_id: s.call.id, action: 'edit', args: s.form!.read() });
        } catch (err) {
          error.textContent = `${s.call.name}: ${(err as Error).message}`;
          return null;
        }
      } else {
        error.textContent = 'Decide every call first.';
        return null;
      }
    }
    return out;
  };

  const doSubmit = () => {
    error.textContent = '';
    const decisions = collect();
    if (decisions) {
      submitBtn.disabled = true;
      submit(decisions);
    }
  };
  submitBtn.addEventListener('click', doSubmit);

  const approveAll = h('button', { class: 'mcpchat-btn', 'data-testid': 'approve-all' }, 'Approve all');
  approveAll.addEventListener('click', () => {
    states.forEach(s => (s.choice = 'approve'));
    refresh();
    doSubmit();
  });
  const rejectAll = h('button', { class: 'mcpchat-btn', 'data-testid': 'reject-all' }, 'Reject all');
  rejectAll.addEventListener('click', () => states.forEach(s => choose(s, 'reject')));

  const panel = h(
    'div',
    { class: 'mcpchat-approvals', 'data-testid': 'approval-panel' },
    h(
      'div',
      { class: 'mcpchat-approvals-title' },
      calls.length === 1 ? 'The agent wants to run a tool' : `The agent wants to run ${calls.length} tools`
    ),
    ...cards,
    error,
    h('div', { class: 'mcpchat-approvals-actions' }, submitBtn, approveAll, rejectAll)
  );
  refresh();
  return panel;
}
