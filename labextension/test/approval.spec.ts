import { describe, expect, it } from 'vitest';
import { CHOICES, describeRule, refuses, remembers, takesReason, toDecision } from '../src/model/approval';
import type { ApprovalRule } from '../src/protocol';
import { chat } from './fixtures';

function rule(extra: Partial<ApprovalRule> = {}): ApprovalRule {
  return { id: '1', server: 'demo', tool: 'add', action: 'allow', chat_id: null, source: 'user', created_at: null, ...extra };
}

describe('toDecision', () => {
  it('approve, edit and reject send what they always sent', () => {
    expect(toDecision('t1', 'approve')).toEqual({ call_id: 't1', action: 'approve' });
    expect(toDecision('t1', 'edit', { args: { a: 1 } })).toEqual({ call_id: 't1', action: 'edit', args: { a: 1 } });
    expect(toDecision('t1', 'reject', { reason: '  too risky ' })).toEqual({ call_id: 't1', action: 'reject', reason: 'too risky' });
    expect(toDecision('t1', 'reject', { reason: '   ' })).toEqual({ call_id: 't1', action: 'reject', reason: null });
  });

  it('allow in this chat / always allow approve and remember; block rejects and remembers always', () => {
    expect(toDecision('t1', 'allow-chat')).toEqual({ call_id: 't1', action: 'approve', remember: 'chat' });
    expect(toDecision('t1', 'allow-always')).toEqual({ call_id: 't1', action: 'approve', remember: 'always' });
    expect(toDecision('t1', 'block', { reason: 'never' })).toEqual({
      call_id: 't1',
      action: 'reject',
      reason: 'never',
      remember: 'always'
    });
  });

  it('edit without arguments is an error, not an empty edit', () => {
    expect(() => toDecision('t1', 'edit')).toThrow(/arguments/);
  });

  it('reject and block take a reason and refuse; the others do not', () => {
    expect(CHOICES.filter(takesReason)).toEqual(['reject', 'block']);
    expect(CHOICES.filter(refuses)).toEqual(['reject', 'block']);
    expect(takesReason(null)).toBe(false);
  });
});

describe('describeRule', () => {
  const chats = [chat('c1', 'maths'), chat('c2', 'other')];

  it('names the tool, the action and the scope', () => {
    expect(describeRule(rule({ chat_id: 'c1' }), 'c1', chats)).toMatchObject({
      text: 'always allow demo:add in this chat',
      readOnly: false
    });
    expect(describeRule(rule({ chat_id: 'c1' }), 'c2', chats).scope).toBe('in the chat “maths”');
    expect(describeRule(rule({ chat_id: 'gone' }), 'c1', chats).scope).toBe('in another chat');
    expect(describeRule(rule({ action: 'deny' }), 'c1', chats).text).toBe('block demo:add in every chat');
    expect(describeRule(rule({ action: 'ask', tool: '*' }), null, chats).text).toBe('always ask every tool of demo in every chat');
  });

  it("an administrator's rule is read-only", () => {
    const admin = rule({ id: 'admin-0', server: 'fs', tool: '*', action: 'deny', source: 'admin' });
    expect(describeRule(admin, 'c1', chats)).toMatchObject({ readOnly: true, text: 'block every tool of fs in every chat' });
  });
});

it('remembers: whether decisions made rules', () => {
  expect(remembers([{ remember: null }, {}])).toBe(false);
  expect(remembers([{ remember: null }, { remember: 'chat' }])).toBe(true);
});
