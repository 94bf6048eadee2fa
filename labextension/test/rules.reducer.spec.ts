/** The reducer's part in approval rules, Stop, refused decisions and interrupted replies. */
import { describe, expect, it } from 'vitest';
import type { ErrorFrame, ServerFrame } from '../src/protocol';
import { reduce } from '../src/model/reducer';
import { ChatState, isRunning } from '../src/model/state';
import { call, deepFreeze, message, openChat, pending } from './fixtures';

function run(state: ChatState, ...frames: ServerFrame[]): ChatState {
  return frames.reduce((s, f) => reduce(deepFreeze(s), f), state);
}

const decision = (extra: object = {}) => ({ call_id: 't1', action: 'approve' as const, args: null, reason: null, rule: null, remember: null, ...extra });

describe('decisions that make rules', () => {
  it('say so on the card', () => {
    const required: ServerFrame = { type: 'approval_required', chat_id: 'c1', calls: [pending('t1')] };
    const decided = (d: object): ServerFrame => ({ type: 'approval_decided', chat_id: 'c1', decisions: [decision(d)], auto: false, calls: [call('t1')] });
    expect(run(openChat(), required, decided({ remember: 'chat' })).callStatus.get('t1')).toEqual({
      kind: 'approved',
      text: 'approved · allowed in this chat from now on'
    });
    expect(run(openChat(), required, decided({ remember: 'always' })).callStatus.get('t1')?.text).toBe(
      'approved · always allowed from now on'
    );
    expect(run(openChat(), required, decided({ action: 'reject', remember: 'always' })).callStatus.get('t1')).toEqual({
      kind: 'rejected',
      text: 'rejected · blocked from now on'
    });
  });
});

describe('calls decided by a rule', () => {
  const auto = (d: object): ServerFrame => ({ type: 'approval_decided', chat_id: 'c1', decisions: [decision(d)], auto: true, calls: [call('t1')] });

  it('keep the rule that allowed them while they run', () => {
    const rule = 'your rule: always allow demo:add in this chat';
    const s = run(
      openChat({ messages: [message('a1', 'assistant', '', { tool_calls: [call('t1')] })] }),
      auto({ rule }),
      { type: 'tool_started', chat_id: 'c1', call: call('t1') }
    );
    expect(s.callStatus.get('t1')).toEqual({ kind: 'running', text: 'running…', rule });
  });

  it('a call blocked by a rule is marked blocked, with the rule', () => {
    const rule = 'administrator rule: deny fs:*';
    const s = run(openChat(), auto({ action: 'reject', reason: rule, rule }));
    expect(s.callStatus.get('t1')).toEqual({ kind: 'rejected', text: 'blocked', rule });
  });
});

describe('stopped', () => {
  it('marks the running and approved calls without a result cancelled, and leaves finished ones', () => {
    const ai = message('a1', 'assistant', '', { tool_calls: [call('t1'), call('t2'), call('t3')] });
    const done = message('r2', 'tool', '5', { tool_call_id: 't2', status: 'success' });
    const s = run(
      openChat({ messages: [ai] }),
      { type: 'approval_decided', chat_id: 'c1', decisions: [decision(), decision({ call_id: 't2' }), decision({ call_id: 't3' })], auto: false, calls: [] },
      { type: 'tool_started', chat_id: 'c1', call: call('t1') },
      { type: 'tool_started', chat_id: 'c1', call: call('t2') },
      { type: 'tool_result', chat_id: 'c1', message: done, truncated: false },
      { type: 'stopped', chat_id: 'c1' }
    );
    expect(s.callStatus.get('t1')).toEqual({ kind: 'cancelled', text: 'stopped' });
    expect(s.callStatus.get('t2')?.kind).toBe('running'); // its result decides what the card says
    expect(s.callStatus.get('t3')).toEqual({ kind: 'cancelled', text: 'stopped' });
    expect(isRunning(s)).toBe(false);
  });

  it('changes no call status when nothing ran', () => {
    const start = openChat();
    expect(run(start, { type: 'stopped', chat_id: 'c1' }).callStatus).toBe(start.callStatus);
  });
});

describe('a refused decision', () => {
  const refused: ErrorFrame = {
    type: 'error',
    code: 'bad_request',
    message: "the edited arguments of demo:add do not fit its input schema (a: 'abc' is not of type 'number'); fix them and decide again",
    id: null,
    chat_id: 'c1'
  };

  it('keeps the pending calls and ties the error to the call it names', () => {
    const other = { ...pending('t2'), name: 'demo_multiply', tool: 'multiply' };
    const start = run(openChat(), { type: 'approval_required', chat_id: 'c1', calls: [pending('t1'), other] });
    const s = run({ ...start, running: new Set(['c1']) }, refused);
    expect(s.pending).toBe(start.pending);
    expect(s.decisionError).toEqual({ code: 'bad_request', text: refused.message, callIds: ['t1'] });
    expect(s.chatError).toBeNull();
    expect(isRunning(s)).toBe(false);
  });

  it('that names no call is about the decisions as a whole; the next approval_required clears it', () => {
    const start = run(openChat(), { type: 'approval_required', chat_id: 'c1', calls: [pending('t1')] });
    const s = run(start, { type: 'error', code: 'conflict', message: 'no tool calls are waiting', id: null, chat_id: 'c1' });
    expect(s.decisionError?.callIds).toEqual([]);
    expect(run(s, { type: 'approval_required', chat_id: 'c1', calls: [pending('t9')] }).decisionError).toBeNull();
  });

  it("a turn's error with no call waiting is still the chat error", () => {
    const s = run(openChat(), refused);
    expect(s.decisionError).toBeNull();
    expect(s.chatError?.code).toBe('bad_request');
  });
});

describe('edited arguments', () => {
  it("tool_started with other arguments keeps the model's own as original_args", () => {
    const ai = message('a1', 'assistant', '', { tool_calls: [call('t1', { a: 2, b: 3 })] });
    const s = run(openChat({ messages: [ai] }), { type: 'tool_started', chat_id: 'c1', call: call('t1', { b: 40, a: 2 }) });
    expect(s.messages[0].tool_calls[0]).toMatchObject({ args: { a: 2, b: 40 }, original_args: { a: 2, b: 3 } });
  });

  it('the same arguments in another key order are no edit', () => {
    const ai = message('a1', 'assistant', '', { tool_calls: [call('t1', { a: 2, b: 3 })] });
    const s = run(openChat({ messages: [ai] }), { type: 'tool_started', chat_id: 'c1', call: call('t1', { b: 3, a: 2 }) });
    expect(s.messages[0].tool_calls[0].original_args).toBeNull();
  });
});

it('turn_started forgets that the last reply was interrupted', () => {
  const s = run(openChat({ interrupted: true }), { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: message('u2', 'user', 'q') });
  expect(s.interrupted).toBe(false);
});
