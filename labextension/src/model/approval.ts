/**
 * What the approval card's choices mean on the wire, and how an approval rule reads. Pure: the
 * view (ui/approvals.ts, ui/rules.ts) only renders these.
 */
import type { ApprovalRule, ChatInfo, Decision } from '../protocol';

/**
 * A choice on an approval card. Besides approve / edit / reject, three that also make a rule of
 * the decision (`Decision.remember`): allow the tool in this chat, allow it in every chat, block it.
 */
export type Choice = 'approve' | 'allow-chat' | 'allow-always' | 'edit' | 'reject' | 'block';

export const CHOICES: readonly Choice[] = ['approve', 'edit', 'reject', 'allow-chat', 'allow-always', 'block'];

/** The choice needs a reason box (the agent reads the reason). */
export function takesReason(choice: Choice | null): boolean {
  return choice === 'reject' || choice === 'block';
}

/** The choice refuses the call. */
export function refuses(choice: Choice | null): boolean {
  return choice === 'reject' || choice === 'block';
}

export interface ChoiceInput {
  /** The edited arguments (for `edit`). */
  args?: Record<string, unknown>;
  /** Why (for `reject` / `block`); blank: none. */
  reason?: string;
}

/** The decision a choice sends. */
export function toDecision(callId: string, choice: Choice, input: ChoiceInput = {}): Decision {
  const reason = input.reason?.trim() || null;
  switch (choice) {
    case 'approve':
      return { call_id: callId, action: 'approve' };
    case 'allow-chat':
      return { call_id: callId, action: 'approve', remember: 'chat' };
    case 'allow-always':
      return { call_id: callId, action: 'approve', remember: 'always' };
    case 'edit':
      if (!input.args) {
        throw new Error('edited arguments are missing');
      }
      return { call_id: callId, action: 'edit', args: input.args };
    case 'reject':
      return { call_id: callId, action: 'reject', reason };
    case 'block':
      return { call_id: callId, action: 'reject', reason, remember: 'always' };
  }
}

const ACTION_WORDS: Record<ApprovalRule['action'], string> = {
  allow: 'always allow',
  ask: 'always ask',
  deny: 'block'
};

/** How a rule reads in the rules view. */
export interface RuleDescription {
  /** e.g. "always allow" / "block". */
  action: string;
  /** e.g. "demo:add" / "every tool of demo". */
  what: string;
  /** e.g. "in this chat" / "in the chat “maths”" / "in every chat". */
  scope: string;
  /** The whole sentence: "always allow demo:add in this chat". */
  text: string;
  /** An administrator's rule: shown, not removable here. */
  readOnly: boolean;
}

export function describeRule(rule: ApprovalRule, openChatId: string | null, chats: readonly ChatInfo[]): RuleDescription {
  const action = ACTION_WORDS[rule.action] ?? rule.action;
  const what =
    rule.tool === '*'
      ? `every tool of ${rule.server}`
      : rule.tool === '@read-only'
        ? `the tools ${rule.server} says are read-only`
        : `${rule.server}:${rule.tool}`;
  let scope = 'in every chat';
  if (rule.chat_id) {
    const title = chats.find(c => c.id === rule.chat_id)?.title;
    scope = rule.chat_id === openChatId ? 'in this chat' : title ? `in the chat “${title}”` : 'in another chat';
  }
  return { action, what, scope, text: `${action} ${what} ${scope}`, readOnly: rule.source === 'admin' };
}

/** Whether an `approval_decided` frame made rules (the rules view asks for the list again). */
export function remembers(decisions: readonly { remember?: Decision['remember'] }[]): boolean {
  return decisions.some(d => !!d.remember);
}
