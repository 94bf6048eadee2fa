import { describe, expect, it } from 'vitest';
import type { ElicitationRequestFrame, ServerFrame } from '../src/protocol';
import { reduce } from '../src/model/reducer';
import { historyLoaded } from '../src/model/actions';
import { answered, isOpen, statusText } from '../src/model/serverRequests';
import type { ChatState } from '../src/model/state';
import { chat, deepFreeze, openChat } from './fixtures';

function run(state: ChatState, ...frames: ServerFrame[]): ChatState {
  return frames.reduce((s, f) => reduce(deepFreeze(s), f), state);
}

const ask = (id: string, chat = 'c1'): ElicitationRequestFrame => ({
  type: 'elicitation_request',
  chat_id: chat,
  request_id: id,
  call_id: 'call1',
  server: 'asking',
  mode: 'form',
  message: '<b>who?</b>',
  requested_schema: { type: 'object', properties: { name: { type: 'string' } } },
  url: null,
  timeout: 300
});

describe('server requests', () => {
  it('a request is one card, even when its frame comes twice; another chat gets none', () => {
    const s = run(openChat(), ask('r1'), ask('r1'), ask('r2', 'other'));
    expect(s.serverRequests.map(c => [c.request.request_id, c.status])).toEqual([['r1', 'waiting']]);
  });

  it('a refused answer keeps the card waiting with the reason; settled cards take no answer', () => {
    let s = run(openChat(), ask('r1'));
    s = answered(s, 'r1');
    expect(s.serverRequests[0].status).toBe('sent');
    s = run(s, { type: 'server_request_status', chat_id: 'c1', request_id: 'r1', status: 'invalid', note: 'age: too big' });
    expect(s.serverRequests[0]).toMatchObject({ status: 'waiting', note: 'age: too big' });
    s = run(s, { type: 'server_request_status', chat_id: 'c1', request_id: 'r1', status: 'accepted', note: null });
    expect(isOpen(s.serverRequests[0])).toBe(false);
  });

  it('a reloaded view gets the waiting requests from the history, once; the card it shows stays', () => {
    const page = (...server_requests: ElicitationRequestFrame[]) => ({
      chat: chat('c1'), messages: [], total: 0, offset: 0, pending: [], interrupted: false, outcome: null, usage: null, server_requests
    });
    let s = historyLoaded(openChat(), page(ask('r1')));
    expect(s.serverRequests.map(c => [c.request.request_id, c.status])).toEqual([['r1', 'waiting']]);
    s = answered(s, 'r1');
    s = historyLoaded(run(s, ask('r2')), page(ask('r1'), ask('r2')));
    expect(s.serverRequests.map(c => [c.request.request_id, c.status])).toEqual([['r1', 'sent'], ['r2', 'waiting']]);
  });

  it('an answer another view gave first: this view is told its answer was not taken, then how it settled', () => {
    const gone = { type: 'server_request_status', chat_id: 'c1', request_id: 'r1', status: 'gone', note: 'already answered' } as const;
    const accepted = { type: 'server_request_status', chat_id: 'c1', request_id: 'r1', status: 'accepted', note: null } as const;
    for (const order of [[gone, accepted], [accepted, gone]]) {
      const s = run(answered(run(openChat(), ask('r1')), 'r1'), ...order);
      expect(s.serverRequests[0]).toMatchObject({ status: 'accepted', refused: 'already answered' });
      expect(isOpen(s.serverRequests[0])).toBe(false);
    }
    const only = run(answered(run(openChat(), ask('r1')), 'r1'), gone);
    expect(isOpen(only.serverRequests[0])).toBe(false);
    expect(statusText(only.serverRequests[0])).toBe('Your answer was not taken.');
  });

  it('a stopped turn ends its open cards', () => {
    const s = run(openChat(), ask('r1'), { type: 'stopped', chat_id: 'c1' });
    expect(s.serverRequests[0].status).toBe('ended');
  });
});

describe('sampling cards', () => {
  it('the model answer card closes the request card it answers', () => {
    const sampling = (id: string, stage: 'request' | 'result'): ServerFrame => ({
      type: 'sampling_request',
      chat_id: 'c1',
      request_id: id,
      call_id: 'call1',
      server: 'asking',
      stage,
      messages: [{ role: 'user', text: 'hi' }],
      system_prompt: null,
      max_tokens: 10,
      requested_max_tokens: 10,
      model_hints: [],
      model: 'fake-model',
      result: stage === 'result' ? 'hello' : null,
      usage: stage === 'result' ? { input_tokens: 3, output_tokens: 1, cost: null, model: null } : null,
      timeout: 300
    });
    const s = run(
      openChat(),
      sampling('r1', 'request'),
      { type: 'server_request_status', chat_id: 'c1', request_id: 'r1', status: 'running', note: null },
      sampling('r2', 'result')
    );
    expect(s.serverRequests.map(c => c.status)).toEqual(['answered', 'waiting']);
  });
});
