import type { ApprovalRule, ChatInfo } from '../protocol';
import { h } from '../dom';
import { describeRule } from '../model/approval';

export interface RulesActions {
  /** Revoke one of the user's rules. */
  remove(ruleId: string): Promise<void>;
  /** Ask the server for the list again. */
  refresh(): void;
}

function ruleRow(rule: ApprovalRule, chatId: string | null, chats: readonly ChatInfo[], actions: RulesActions): HTMLElement {
  const d = describeRule(rule, chatId, chats);
  let control: HTMLElement;
  if (d.readOnly) {
    control = h('span', { class: 'mcpchat-tag mcpchat-rule-admin', 'data-testid': 'rule-admin' }, 'set by your administrator');
  } else {
    const revoke = h(
      'button',
      { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'rule-remove', 'aria-label': `Revoke: ${d.text}` },
      'Revoke'
    );
    revoke.addEventListener('click', () => {
      revoke.disabled = true;
      void actions.remove(rule.id).finally(() => (revoke.disabled = false));
    });
    control = revoke;
  }
  return h(
    'li',
    {
      class: 'mcpchat-rule',
      'data-testid': 'rule-row',
      'data-rule-id': rule.id,
      'data-action': rule.action,
      'data-source': rule.source
    },
    h(
      'span',
      { class: 'mcpchat-rule-text', 'data-testid': 'rule-text' },
      h('span', { class: `mcpchat-rule-action mcpchat-rule-${rule.action}` }, d.action),
      ' ',
      h('code', {}, d.what),
      ' ',
      d.scope
    ),
    control
  );
}

/**
 * The approval rules: the administrator's first (marked, not removable here), then the user's,
 * each with a Revoke button. Rules come from `rules.list`; a decision with "remember" adds one.
 */
export function renderRules(
  rules: readonly ApprovalRule[],
  chatId: string | null,
  chats: readonly ChatInfo[],
  actions: RulesActions
): HTMLElement {
  const refresh = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'rules-refresh', 'aria-label': 'Reload the approval rules' },
    'Reload'
  );
  refresh.addEventListener('click', () => actions.refresh());
  return h(
    'section',
    { class: 'mcpchat-rules', 'data-testid': 'rules-panel', 'aria-label': 'Approval rules' },
    h('div', { class: 'mcpchat-server-head' }, h('div', { class: 'mcpchat-section-title' }, 'Approval rules'), h('span', { class: 'mcpchat-spacer' }), refresh),
    rules.length === 0
      ? h(
          'div',
          { class: 'mcpchat-empty', 'data-testid': 'rules-empty' },
          'No rules: every tool call asks first. "Allow in this chat", "Always allow" and "Block" on an approval card add one.'
        )
      : h('ul', { class: 'mcpchat-rule-list' }, ...rules.map(r => ruleRow(r, chatId, chats, actions)))
  );
}
