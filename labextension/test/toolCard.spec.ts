import { describe, expect, it } from 'vitest';
import { cardView } from '../src/model/toolCard';
import type { ChatMessage } from '../src/protocol';
import { call, message } from './fixtures';

function result(content: string, metadata: Record<string, unknown> = {}, status: ChatMessage['status'] = 'error'): ChatMessage {
  return message('r1', 'tool', content, { tool_call_id: 't1', name: 'demo_add', status, metadata: { truncated: false, ...metadata } });
}

describe('cardView', () => {
  it('a call approved by the user and done', () => {
    const v = cardView(call('t1'), result('5', {}, 'success'), { kind: 'approved', text: 'approved' });
    expect(v).toEqual({ kind: 'done', text: 'approved · done', badges: [], ruleNote: null, originalArgs: null });
  });

  it('a call allowed by a rule says which, live and after a reload', () => {
    const rule = 'your rule: always allow demo:add in this chat';
    const live = cardView(call('t1'), undefined, { kind: 'running', text: 'running…', rule });
    expect(live.ruleNote).toBe('Allowed by your rule: always allow demo:add in this chat');
    const reloaded = cardView(call('t1'), result('9', { rule }, 'success'), undefined);
    expect(reloaded).toMatchObject({ kind: 'done', text: 'auto-approved · done', ruleNote: `Allowed by ${rule}` });
  });

  it('a call blocked by a rule shows the blocked badge and the rule', () => {
    const rule = 'administrator rule: deny fs:*';
    const v = cardView(call('t1'), result('Error: the tool is blocked', { denied: true, rule }), undefined);
    expect(v).toMatchObject({ kind: 'blocked', text: '', badges: [{ id: 'blocked', text: 'blocked' }], ruleNote: `Blocked: ${rule}` });
    const live = cardView(call('t1'), undefined, { kind: 'rejected', text: 'blocked', rule });
    expect(live).toMatchObject({ kind: 'blocked', ruleNote: `Blocked: ${rule}` });
  });

  it('cancelled, interrupted, unknown tool and invalid arguments are badges', () => {
    const badge = (meta: Record<string, unknown>) => cardView(call('t1'), result('Error', meta), undefined).badges.map(b => b.id);
    expect(badge({ cancelled: true })).toEqual(['cancelled']);
    expect(badge({ interrupted: true })).toEqual(['interrupted']);
    expect(badge({ unknown: true })).toEqual(['unknown']);
    expect(badge({ invalid: true })).toEqual(['invalid']);
    const interrupted = cardView(call('t1'), result('Error', { interrupted: true }), undefined);
    expect(interrupted.kind).toBe('interrupted');
    expect(interrupted.badges[0].text).toMatch(/may or may not have completed/);
  });

  it('a call cancelled by Stop before its answer came', () => {
    const v = cardView(call('t1'), undefined, { kind: 'cancelled', text: 'stopped' });
    expect(v).toMatchObject({ kind: 'cancelled', text: '', badges: [{ id: 'cancelled', text: 'stopped' }] });
  });

  it('after a reload: "stopped" when Stop ended the turn, "cancelled" when only this call was', () => {
    expect(cardView(call('t1'), result('Error', { cancelled: true, stopped: true }), undefined).badges).toEqual([{ id: 'cancelled', text: 'stopped' }]);
    expect(cardView(call('t1'), result('Error', { cancelled: true }), undefined).badges).toEqual([{ id: 'cancelled', text: 'cancelled' }]);
  });

  it("an edited call shows the model's arguments and the badge once", () => {
    const edited = { ...call('t1', { a: 2, b: 40 }), original_args: { a: 2, b: 3 } };
    const v = cardView(edited, result('42', { edited: true }, 'success'), { kind: 'approved', text: 'approved with edits' });
    expect(v.originalArgs).toEqual({ a: 2, b: 3 });
    expect(v.badges).toEqual([{ id: 'edited', text: 'approved with edits' }]);
    expect(v.text).toBe('approved · done');
  });

  it('a rejection and a failure', () => {
    const rejected = cardView(call('t1'), result('User rejected this tool call: no', { rejected: true }), undefined);
    expect(rejected).toMatchObject({ kind: 'error', text: 'rejected', badges: [] });
    const live = cardView(call('t1'), result('User rejected', { rejected: true }), { kind: 'rejected', text: 'rejected: no' });
    expect(live.text).toBe('rejected: no');
    expect(cardView(call('t1'), result('Error: boom'), undefined).text).toBe('failed');
  });
});
