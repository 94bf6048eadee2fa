import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '../src/protocol';
import { connectionChanged, reduce } from '../src/model/reducer';
import { ChatState, initialState, isBusy, isRunning } from '../src/model/state';
import { call, chat, deepFreeze, message, openChat, pending, server } from './fixtures';

/** Apply frames in order; the input state is frozen, so a reducer that mutates it throws. */
function run(state: ChatState, ...frames: ServerFrame[]): ChatState {
  return frames.reduce((s, f) => reduce(deepFreeze(s), f), state);
}

/** Sets and maps as arrays: Object.freeze does not stop `.add` / `.set`. */
function snapshot(s: ChatState): unknown {
  return JSON.parse(JSON.stringify(s, (_k, v) => (v instanceof Set || v instanceof Map ? [...v] : v)));
}

describe('token', () => {
  it('starts an assistant message and appends to it', () => {
    const s = run(
      openChat(),
      { type: 'token', chat_id: 'c1', message_id: 'm1', text: 'Hel' },
      { type: 'token', chat_id: 'c1', message_id: 'm1', text: 'lo' }
    );
    expect(s.messages).toHaveLength(1);
    expect(s.messages[0]).toMatchObject({ id: 'm1', role: 'assistant', content: 'Hello' });
    expect(s.streamingId).toBe('m1');
    expect(isRunning(s)).toBe(true);
  });

  it('appends to the message with that id, not the last one', () => {
    const start = openChat({ messages: [message('m1', 'assistant', 'a'), message('u2', 'user', 'q')] });
    const s = run(start, { type: 'token', chat_id: 'c1', message_id: 'm1', text: 'b' });
    expect(s.messages.map(m => m.content)).toEqual(['ab', 'q']);
    expect(s.messages[1]).toBe(start.messages[1]); // untouched messages keep their identity
  });

  it("of another chat only marks that chat running", () => {
    const start = openChat();
    const s = run(start, { type: 'token', chat_id: 'c2', message_id: 'x', text: 'hi' });
    expect(s.messages).toBe(start.messages);
    expect(s.streamingId).toBeNull();
    expect([...s.running]).toEqual(['c2']);
    expect(isRunning(s)).toBe(false);
  });

  it('keeps the pending list and the running set when they do not change', () => {
    const start = run(openChat(), { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: null });
    const s = run(start, { type: 'token', chat_id: 'c1', message_id: 'm1', text: 'x' });
    expect(s.pending).toBe(start.pending);
    expect(s.running).toBe(start.running);
  });
});

describe('turn_started', () => {
  it('adds the user message, clears the chat error and marks the chat running', () => {
    const start = openChat({ chatError: { code: 'model_error', text: 'The model failed: down' } });
    const user = message('u1', 'user', 'add 2 and 3');
    const s = run(start, { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: user });
    expect(s.messages).toEqual([user]);
    expect(s.chatError).toBeNull();
    expect(isRunning(s)).toBe(true);
    expect(isBusy(s)).toBe(true);
  });

  it('without a user message (resuming after decisions) adds none', () => {
    const start = openChat({ messages: [message('u1', 'user', 'q')] });
    const s = run(start, { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: null });
    expect(s.messages).toBe(start.messages);
  });

  it('replaces a message it already has (same id)', () => {
    const s = run(
      openChat({ messages: [message('u1', 'user', 'old')] }),
      { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: message('u1', 'user', 'new') }
    );
    expect(s.messages.map(m => m.content)).toEqual(['new']);
  });
});

describe('approvals', () => {
  const required: ServerFrame = { type: 'approval_required', chat_id: 'c1', calls: [pending('t1'), pending('t2')] };

  it('approval_required sets the pending calls and ends the running part of the turn', () => {
    const s = run(openChat(), { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: null }, required);
    expect(s.pending.map(p => p.id)).toEqual(['t1', 't2']);
    expect(s.callStatus.get('t1')).toEqual({ kind: 'pending', text: 'awaiting your approval' });
    expect(isRunning(s)).toBe(false);
    expect(isBusy(s)).toBe(true); // decisions are due
  });

  it('approval_decided clears the decided calls and records how each was decided', () => {
    const s = run(openChat(), required, {
      type: 'approval_decided',
      chat_id: 'c1',
      decisions: [{ call_id: 't1', action: 'reject', args: null, reason: 'not now', rule: null, remember: null }],
      auto: false,
      calls: [call('t1')]
    });
    expect(s.pending.map(p => p.id)).toEqual(['t2']);
    expect(s.callStatus.get('t1')).toEqual({ kind: 'rejected', text: 'rejected: not now' });
    expect(s.callStatus.get('t2')?.kind).toBe('pending');

    const all = run(s, {
      type: 'approval_decided',
      chat_id: 'c1',
      decisions: [{ call_id: 't2', action: 'edit', args: { a: 1, b: 1 }, reason: null, rule: null, remember: null }],
      auto: false,
      calls: [call('t2', { a: 1, b: 1 })]
    });
    expect(all.pending).toEqual([]);
    expect(all.callStatus.get('t2')).toEqual({ kind: 'approved', text: 'approved with edits' });
    expect(isBusy(all)).toBe(false);
  });

  it('approval_decided by the auto-approve policy says so', () => {
    const s = run(openChat(), {
      type: 'approval_decided',
      chat_id: 'c1',
      decisions: [{ call_id: 't1', action: 'approve', args: null, reason: null, rule: null, remember: null }],
      auto: true,
      calls: [call('t1')]
    });
    expect(s.callStatus.get('t1')).toEqual({ kind: 'approved', text: 'auto-approved' });
  });

  it('tool_started shows the call running with the arguments it runs with', () => {
    const ai = message('a1', 'assistant', '', { tool_calls: [call('t1')] });
    const s = run(openChat({ messages: [ai] }), { type: 'tool_started', chat_id: 'c1', call: call('t1', { a: 7, b: 1 }) });
    expect(s.callStatus.get('t1')?.kind).toBe('running');
    expect(s.messages[0].tool_calls[0].args).toEqual({ a: 7, b: 1 });
    expect(ai.tool_calls[0].args).toEqual({ a: 2, b: 3 }); // the old message is untouched
  });

  it('tool_result adds the result and remembers a truncated one', () => {
    const result = message('r1', 'tool', '5', { tool_call_id: 't1', name: 'demo_add', status: 'success' });
    const s = run(openChat(), { type: 'tool_result', chat_id: 'c1', message: result, truncated: true });
    expect(s.messages).toEqual([result]);
    expect(s.truncated.has('t1')).toBe(true);
  });
});

describe('the end of a turn', () => {
  function streaming(): ChatState {
    return run(
      openChat(),
      { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: message('u1', 'user', 'hi') },
      { type: 'token', chat_id: 'c1', message_id: 'm1', text: 'Hel' }
    );
  }

  it('done stores the final reply and ends streaming, running and pending calls', () => {
    const reply = message('m1', 'assistant', 'Hello!');
    const s = run(streaming(), { type: 'done', chat_id: 'c1', message: reply });
    expect(s.messages.map(m => m.content)).toEqual(['hi', 'Hello!']);
    expect(s.streamingId).toBeNull();
    expect(isRunning(s)).toBe(false);
    expect(s.pending).toEqual([]);
  });

  it('stopped ends the turn and notes it after the last message', () => {
    const s = run(streaming(), { type: 'stopped', chat_id: 'c1' });
    expect(s.streamingId).toBeNull();
    expect(isRunning(s)).toBe(false);
    expect(s.notes).toEqual([{ after: 2, text: 'Stopped.', level: 'info' }]);
  });

  it('error ends the turn and shows what failed', () => {
    const s = run(streaming(), {
      type: 'error',
      code: 'model_error',
      message: 'connection refused',
      id: null,
      chat_id: 'c1'
    });
    expect(s.streamingId).toBeNull();
    expect(isRunning(s)).toBe(false);
    expect(s.chatError).toEqual({ code: 'model_error', text: 'The model failed: connection refused' });
    expect(s.messages.map(m => m.content)).toEqual(['hi', 'Hel']); // what streamed stays
  });

  it('an error answering a call is left to the caller', () => {
    const start = streaming();
    const s = reduce(start, { type: 'error', code: 'not_found', message: 'no chat', id: 'call-1', chat_id: 'c1' });
    expect(s).toBe(start);
  });

  it('an error of no chat goes to the banner', () => {
    const s = run(openChat(), { type: 'error', code: 'bad_frame', message: 'bad', id: null, chat_id: null });
    expect(s.globalError).toBe('bad');
  });
});

describe('lists and connection', () => {
  it('chats_changed replaces the chats and bumps the epoch', () => {
    const start = openChat();
    const s = run(start, { type: 'chats_changed', chats: [chat('c3', 'new')] });
    expect(s.chats.map(c => c.id)).toEqual(['c3']);
    expect(s.chatsEpoch).toBe(start.chatsEpoch + 1);
  });

  it('servers_changed replaces the servers', () => {
    const s = run(openChat({ servers: [server('old')] }), { type: 'servers_changed', servers: [server('demo', 'error')] });
    expect(s.servers).toEqual([server('demo', 'error')]);
  });

  it('the connection is open once welcome arrived, not when the socket opened', () => {
    const model = { name: 'demo', base_url: null, demo: true, label: 'Offline demo model', id: 'demo', provider: 'demo', context_window: null, images: false, input_price: null, output_price: null };
    let s = connectionChanged(initialState(), 'open');
    expect(s.connection).toBe('connecting');
    s = run(s, { type: 'welcome', protocol: 1, user: 'alice', model });
    expect(s).toMatchObject({ connection: 'open', welcomed: true, model });
    s = connectionChanged(s, 'closed', 'connection lost');
    expect(s).toMatchObject({ connection: 'closed', welcomed: false, connectionDetail: 'connection lost' });
    expect(connectionChanged(s, 'open').connection).toBe('connecting');
  });

  it('ignores pong, result and frame types it does not know', () => {
    const start = openChat();
    expect(reduce(start, { type: 'pong' })).toBe(start);
    expect(reduce(start, { type: 'result', id: 'x', result: [] })).toBe(start);
    const future = JSON.parse('{"type": "from_the_future", "chat_id": "c1"}') as ServerFrame;
    expect(reduce(start, future)).toBe(start);
  });
});

it('never changes the state it is given', () => {
  const start = openChat({ messages: [message('a1', 'assistant', '', { tool_calls: [call('t1')] })] });
  const before = snapshot(start);
  const frames: ServerFrame[] = [
    { type: 'turn_started', chat_id: 'c1', replaces: null, user_message: message('u1', 'user', 'q') },
    { type: 'token', chat_id: 'c1', message_id: 'a1', text: 'x' },
    { type: 'approval_required', chat_id: 'c1', calls: [pending('t1')] },
    { type: 'tool_started', chat_id: 'c1', call: call('t1', { a: 0 }) },
    { type: 'tool_result', chat_id: 'c1', message: message('r', 'tool', '1', { tool_call_id: 't1' }), truncated: true },
    { type: 'done', chat_id: 'c1', message: null }
  ];
  for (const f of frames) {
    reduce(start, f);
  }
  expect(snapshot(start)).toEqual(before);
});
