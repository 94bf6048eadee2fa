import { describe, expect, it } from 'vitest';
import * as act from '../src/model/actions';
import { reduce } from '../src/model/reducer';
import { lastUserText } from '../src/model/state';
import type { ApprovalRule } from '../src/protocol';
import { chat, message, openChat, pending, server } from './fixtures';

describe('a chats.list answer older than a local change', () => {
  it('is not applied over a chat created meanwhile', () => {
    const start = openChat();
    const epoch = start.chatsEpoch; // chats.list asked now ...
    const created = act.upsertChat(start, chat('c9', 'created meanwhile'));
    const answered = act.chatsListed(created, [chat('c1'), chat('c2')], epoch); // ... answered without c9
    expect(answered).toBe(created);
    expect(answered.chats.map(c => c.id)).toEqual(['c9', 'c1', 'c2']);
  });

  it('is not applied over a rename, a deletion or a chats_changed frame', () => {
    const start = openChat();
    const epoch = start.chatsEpoch;
    const stale = [chat('c1', 'old title'), chat('c2')];
    const renamed = act.upsertChat(start, chat('c1', 'new title'));
    expect(act.chatsListed(renamed, stale, epoch).chats[0].title).toBe('new title');
    const deleted = act.removeChat(start, 'c2');
    expect(act.chatsListed(deleted, stale, epoch).chats.map(c => c.id)).toEqual(['c1']);
    const pushed = reduce(start, { type: 'chats_changed', chats: [chat('c1', 'pushed')] });
    expect(act.chatsListed(pushed, stale, epoch).chats.map(c => c.title)).toEqual(['pushed']);
  });

  it('is applied when nothing changed meanwhile', () => {
    const start = openChat();
    const s = act.chatsListed(start, [chat('c3')], start.chatsEpoch);
    expect(s.chats.map(c => c.id)).toEqual(['c3']);
    expect(s.chatsEpoch).toBe(start.chatsEpoch + 1);
  });
});

describe('chat actions', () => {
  it('upsertChat puts a new chat first and replaces a known one in place', () => {
    const s = act.upsertChat(act.upsertChat(openChat(), chat('c3')), chat('c2', 'renamed'));
    expect(s.chats.map(c => `${c.id}:${c.title}`)).toEqual(['c3:c3', 'c1:c1', 'c2:renamed']);
  });

  it('renameOptimistic shows the title without claiming the list changed', () => {
    const start = openChat();
    const s = act.renameOptimistic(start, 'c1', 'draft');
    expect(s.chats[0].title).toBe('draft');
    expect(s.chatsEpoch).toBe(start.chatsEpoch);
  });

  it("selectChat forgets the previous chat's messages, calls and errors", () => {
    const busy = openChat({
      messages: [message('u1', 'user', 'q')],
      pending: [pending('t1')],
      streamingId: 'm1',
      chatError: { code: 'ui', text: 'x' }
    });
    const s = act.selectChat(busy, 'c2');
    expect(s).toMatchObject({ chatId: 'c2', messages: [], pending: [], streamingId: null, chatError: null });
    expect(s.callStatus.size).toBe(0);
  });

  it('historyLoaded keeps messages that streamed in while it loaded, and the pending calls', () => {
    const live = message('m9', 'assistant', 'streaming');
    const s = act.historyLoaded(openChat({ messages: [live] }), {
      chat: chat('c1', 'loaded'),
      messages: [message('u1', 'user', 'q')],
      total: 1,
      offset: 0,
      pending: [pending('t1')],
      interrupted: false,
      outcome: null,
      usage: null,
      server_requests: []
    });
    expect(s.messages.map(m => m.id)).toEqual(['u1', 'm9']);
    expect(s.pending.map(p => p.id)).toEqual(['t1']);
    expect(s.callStatus.get('t1')?.kind).toBe('pending');
    expect(s.chats[0].title).toBe('loaded');
  });

  it('historyLoaded keeps the server totals of the whole chat, through the page newest message', () => {
    const usage = { input_tokens: 900, output_tokens: 90, cost: null, replies: 30, context_tokens: 120, context_window: null, sampling_tokens: 0 };
    const page = { chat: chat('c1'), messages: [message('u1', 'user', 'q'), message('a1', 'assistant', 'x')], total: 80, offset: 78, pending: [], interrupted: false, outcome: null, usage, server_requests: [] };
    expect(act.historyLoaded(openChat(), page).usage).toEqual({ usage, through: 'a1' });
    expect(act.historyLoaded(openChat(), { ...page, usage: null }).usage).toBeNull();
    expect(act.selectChat(act.historyLoaded(openChat(), page), 'c2').usage).toBeNull(); // not another chat's
  });

  it('historyLoaded of a chat that is no longer open changes nothing', () => {
    const start = openChat();
    const page = { chat: chat('c2'), messages: [message('x', 'user', 'q')], total: 1, offset: 0, pending: [], interrupted: false, outcome: null, usage: null, server_requests: [] };
    expect(act.historyLoaded(start, page)).toBe(start);
  });

  it('turnRequested marks the chat running (once)', () => {
    const s = act.turnRequested(openChat(), 'c1');
    expect(s.running.has('c1')).toBe(true);
    expect(act.turnRequested(s, 'c1')).toBe(s);
  });
});

describe('server actions', () => {
  it('upsertServer replaces by name or appends; removeServer drops it', () => {
    let s = act.setServers(openChat(), [server('a'), server('b')]);
    s = act.upsertServer(s, server('a', 'error'));
    s = act.upsertServer(s, server('c'));
    expect(s.servers.map(x => `${x.name}:${x.state}`)).toEqual(['a:error', 'b:ready', 'c:ready']);
    expect(act.removeServer(s, 'b').servers.map(x => x.name)).toEqual(['a', 'c']);
  });
});

describe('interrupted replies', () => {
  const page = (interrupted: boolean) => ({
    chat: chat('c1'),
    messages: [message('u1', 'user', 'add 2 and 3'), message('a1', 'assistant', 'ok'), message('u2', 'user', 'add 4 and 5')],
    total: 3,
    offset: 0,
    pending: [],
    interrupted,
    outcome: null,
    usage: null,
    server_requests: []
  });

  it('historyLoaded says so; Retry sends the last user message again', () => {
    const s = act.historyLoaded(openChat(), page(true));
    expect(s.interrupted).toBe(true);
    expect(lastUserText(s)).toBe('add 4 and 5');
    expect(act.historyLoaded(openChat(), page(false)).interrupted).toBe(false);
  });

  it('not while the chat runs again (the reply is streaming in)', () => {
    expect(act.historyLoaded(openChat({ running: new Set(['c1']) }), page(true)).interrupted).toBe(false);
  });

  it('the outcome the server recorded: stopped, failed (with Retry), interrupted by a restart', () => {
    const stopped = act.historyLoaded(openChat(), { ...page(false), outcome: { kind: 'stopped', code: null, message: '', after: 'u2' } });
    expect(stopped.notes).toEqual([{ after: 3, text: 'Stopped.', level: 'info' }]);
    expect(stopped.interrupted).toBe(false);
    // loaded again (a reconnect): still one note
    expect(act.historyLoaded(stopped, { ...page(false), outcome: { kind: 'stopped', code: null, message: '', after: 'u2' } }).notes).toHaveLength(1);
    const failed = act.historyLoaded(openChat(), { ...page(false), outcome: { kind: 'failed', code: 'model_error', message: 'rate limited', after: 'u2' } });
    expect(failed.chatError).toEqual({ code: 'model_error', text: 'The model failed: rate limited' });
    expect(failed.interrupted).toBe(false);
    const restarted = act.historyLoaded(openChat(), { ...page(true), outcome: { kind: 'interrupted', code: null, message: '', after: 'u2' } });
    expect(restarted).toMatchObject({ interrupted: true, chatError: null, notes: [] });
  });

  it('selectChat forgets it, and a refused decision', () => {
    const s = act.selectChat(openChat({ interrupted: true, decisionError: { code: 'bad_request', text: 'x', callIds: [] } }), 'c2');
    expect(s).toMatchObject({ interrupted: false, decisionError: null });
  });

  it('lastUserText is null without a user message', () => {
    expect(lastUserText(openChat({ messages: [message('a1', 'assistant', 'hi')] }))).toBeNull();
  });
});

describe('approval rules and decisions', () => {
  const rule = (id: string): ApprovalRule => ({ id, server: 'demo', tool: 'add', action: 'allow', chat_id: null, source: 'user', created_at: null });

  it('rulesListed replaces the rules; ruleRemoved drops one', () => {
    const s = act.rulesListed(openChat(), [rule('admin-0'), rule('1'), rule('2')]);
    expect(act.ruleRemoved(s, '1').rules.map(r => r.id)).toEqual(['admin-0', '2']);
  });

  it('decisionsSent marks the chat running and forgets the last refusal', () => {
    const start = openChat({ decisionError: { code: 'bad_request', text: 'x', callIds: ['t1'] } });
    const s = act.decisionsSent(start, 'c1');
    expect(s.decisionError).toBeNull();
    expect(s.running.has('c1')).toBe(true);
  });
});
