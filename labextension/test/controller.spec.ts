import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient } from '../src/client';
import { ChatController, FIRST_PAGE, OLDER_PAGE } from '../src/controller';
import { initialState } from '../src/model/state';
import { ChatStore } from '../src/model/store';
import type { CallFrame, ClientFrame, ServerFrame } from '../src/protocol';
import { ConnectionState, Emitter, Transport } from '../src/transport';
import { chat, message, server } from './fixtures';

/** A transport whose calls the test answers by hand. */
class FakeTransport implements Transport {
  sent: ClientFrame[] = [];
  state: ConnectionState = 'open';
  private frames = new Emitter<[ServerFrame]>();
  private states = new Emitter<[ConnectionState, string | undefined]>();

  send(frame: ClientFrame): void {
    this.sent.push(frame);
  }
  onFrame(cb: (frame: ServerFrame) => void) {
    return this.frames.on(cb);
  }
  onState(cb: (state: ConnectionState, detail?: string) => void) {
    return this.states.on(cb);
  }
  reconnect(): void {}
  dispose(): void {}

  emit(frame: ServerFrame): void {
    this.frames.emit(frame);
  }
  /** The call frames of `method` sent so far. */
  calls(method: CallFrame['method']): CallFrame[] {
    return this.sent.filter((f): f is CallFrame => f.type === 'call' && f.method === method);
  }
  answer(frame: CallFrame, result: unknown): void {
    this.emit({ type: 'result', id: frame.id, result });
  }
}

const last = <T>(items: T[]): T | undefined => items[items.length - 1];
const flush = () => new Promise(resolve => setTimeout(resolve, 0));
const model = { name: 'demo', base_url: null, demo: true, label: 'Offline demo model', id: 'demo', provider: 'demo', context_window: null, images: false, input_price: null, output_price: null };

describe('ChatController', () => {
  let transport: FakeTransport;
  let store: ChatStore;
  let ctl: ChatController;

  beforeEach(() => {
    vi.stubGlobal('window', globalThis); // ChatClient times its calls with window.setTimeout
    transport = new FakeTransport();
    const client = new ChatClient(transport);
    store = new ChatStore(initialState(null, 'open'));
    ctl = new ChatController(client, store);
    transport.onFrame(frame => ctl.handleFrame(frame));
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('a chats.list answer older than a chat created meanwhile does not remove that chat', async () => {
    transport.emit({ type: 'welcome', protocol: 1, user: 'alice', model }); // asks chats.list + servers.list
    const [list] = transport.calls('chats.list');
    expect(list).toBeDefined();

    const created = ctl.newChat();
    transport.answer(transport.calls('chats.create')[0], chat('new', 'created meanwhile'));
    await flush();
    expect(store.state.chats.map(c => c.id)).toEqual(['new']);

    transport.answer(list, [chat('old')]); // the server listed before the chat was created
    transport.answer(transport.calls('servers.list')[0], [server('demo')]);
    await flush();
    expect(store.state.chats.map(c => c.id)).toEqual(['new']);
    expect(store.state.servers.map(s => s.name)).toEqual(['demo']);
    expect(store.state.chatId).toBe('new');

    for (const h of transport.calls('chats.history')) {
      transport.answer(h, { chat: chat('new'), messages: [], total: 0, offset: 0, pending: [], interrupted: false, usage: null });
    }
    expect(await created).toBe(true);
  });

  it('loads the page before the loaded messages once, and puts it before them', async () => {
    store.update(s => ({ ...s, chatId: 'c1', messages: [message('m150', 'user', 'q')], historyOffset: 150 }));
    void ctl.loadOlder();
    void ctl.loadOlder(); // a second scroll event while it loads: no second call
    const calls = transport.calls('chats.history');
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toEqual({ chat_id: 'c1', offset: 150 - OLDER_PAGE, limit: OLDER_PAGE });
    const older = Array.from({ length: OLDER_PAGE }, (_, i) => message(`m${50 + i}`, 'user', 'q'));
    transport.answer(calls[0], { chat: chat('c1'), messages: older, total: 151, offset: 50, pending: [], interrupted: false });
    await flush();
    expect(store.state.messages.map(m => m.id)).toEqual([...older.map(m => m.id), 'm150']);
    expect(store.state.historyOffset).toBe(50);
    expect(store.state.loadingOlder).toBe(false);
  });

  it('after welcome it opens the newest chat and loads its history', async () => {
    const ready = vi.fn();
    ctl = new ChatController(ctl.client, store, { onReady: ready });
    void ctl.refreshAll();
    transport.answer(transport.calls('chats.list')[0], [chat('c1'), chat('c2')]);
    transport.answer(transport.calls('servers.list')[0], []);
    await flush();
    expect(store.state.chatId).toBe('c1');
    const [history] = transport.calls('chats.history');
    expect(history.params).toEqual({ chat_id: 'c1', limit: FIRST_PAGE });
    transport.answer(history, { chat: chat('c1'), messages: [], total: 0, offset: 0, pending: [], interrupted: false, usage: null });
    await flush();
    expect(ready).toHaveBeenCalledOnce();
    expect(store.state.loadingHistory).toBe(false);
  });

  it('opens the newest chat when chats_changed drops the open one', async () => {
    store.update(s => ({ ...s, chats: [chat('c1'), chat('c2')], chatId: 'c1' }));
    transport.emit({ type: 'chats_changed', chats: [chat('c2')] });
    expect(store.state.chatId).toBe('c2');
    expect(last(transport.calls('chats.history'))?.params).toEqual({ chat_id: 'c2', limit: FIRST_PAGE });
  });

  it('branch_switched of the open chat loads its history afresh; of another chat, nothing', async () => {
    const old = [message('u1', 'user', 'hello'), message('a1', 'assistant', 'old reply'), message('u2', 'user', 'old branch')];
    store.update(s => ({ ...s, chats: [chat('c1'), chat('c2')], chatId: 'c1', messages: old }));
    transport.emit({ type: 'branch_switched', chat_id: 'c2', points: [] });
    expect(transport.calls('chats.history')).toHaveLength(0);
    expect(store.state.messages).toBe(old);

    transport.emit({ type: 'branch_switched', chat_id: 'c1', points: [{ message_id: 'u2b', index: 0, count: 2 }] });
    const [history] = transport.calls('chats.history');
    expect(history.params).toEqual({ chat_id: 'c1', limit: FIRST_PAGE });
    const shown = [message('u1', 'user', 'hello'), message('a1', 'assistant', 'old reply'), message('u2b', 'user', 'new branch')];
    transport.answer(history, { chat: chat('c1'), messages: shown, total: 3, offset: 0, pending: [], interrupted: false, usage: null });
    await flush();
    // the other branch's messages are gone, not kept as if they had streamed in meanwhile
    expect(store.state.messages.map(m => m.content)).toEqual(['hello', 'old reply', 'new branch']);
  });

  it('send and decide send turn frames and mark the chat running', () => {
    store.update(s => ({ ...s, chats: [chat('c1')], chatId: 'c1' }));
    void ctl.send('add 2 and 3');
    expect(last(transport.sent)).toEqual({ type: 'send', chat_id: 'c1', text: 'add 2 and 3' });
    expect(store.state.running.has('c1')).toBe(true);
    expect(ctl.decide([])).toBe(true);
    expect(transport.sent).toHaveLength(1); // no empty decide frame
    ctl.decide([{ call_id: 't1', action: 'approve' }]);
    expect(last(transport.sent)).toEqual({ type: 'decide', chat_id: 'c1', decisions: [{ call_id: 't1', action: 'approve' }] });
  });

  it('asks for the rules after welcome and after a decision that made a rule, not after others', async () => {
    transport.emit({ type: 'welcome', protocol: 1, user: 'alice', model });
    expect(transport.calls('rules.list')).toHaveLength(1);
    const decided = (remember: 'chat' | null): ServerFrame => ({
      type: 'approval_decided',
      chat_id: 'c1',
      decisions: [{ call_id: 't1', action: 'approve', args: null, reason: null, rule: null, remember }],
      auto: false,
      calls: []
    });
    transport.emit(decided(null));
    expect(transport.calls('rules.list')).toHaveLength(1);
    transport.emit(decided('chat'));
    const asked = transport.calls('rules.list');
    expect(asked).toHaveLength(2);
    const rule = { id: '7', server: 'demo', tool: 'add', action: 'allow', chat_id: 'c1', source: 'user', created_at: null };
    transport.answer(asked[1], [rule]);
    await flush();
    expect(store.state.rules).toEqual([rule]);
  });

  it('removeRule revokes the rule and lists the rules again', async () => {
    const rule = { id: '7', server: 'demo', tool: 'add', action: 'allow' as const, chat_id: null, source: 'user' as const, created_at: null };
    store.update(s => ({ ...s, rules: [rule] }));
    const done = ctl.removeRule('7');
    const [remove] = transport.calls('rules.remove');
    expect(remove.params).toEqual({ id: '7' });
    transport.answer(remove, { removed: '7' });
    await flush();
    expect(store.state.rules).toEqual([]);
    transport.answer(transport.calls('rules.list')[0], []);
    await done;
  });

  it('retry asks the server for a new version of the last reply (no duplicate message)', async () => {
    store.update(s => ({
      ...s,
      chats: [chat('c1')],
      chatId: 'c1',
      interrupted: true,
      messages: [{ id: 'u1', role: 'user', content: 'add 4 and 5', tool_calls: [], tool_call_id: null, name: null, status: null, metadata: {}, usage: null }]
    }));
    const done = ctl.retry();
    const [call] = transport.calls('chats.retry');
    expect(call.params).toEqual({ chat_id: 'c1' });
    expect(transport.sent.some(f => f.type === 'send')).toBe(false);
    expect(store.state.running.has('c1')).toBe(true);
    transport.answer(call, { started: 'c1' });
    expect(await done).toBe(true);
  });

  it('a refused retry clears the running mark and says why', async () => {
    store.update(s => ({
      ...s,
      chats: [chat('c1')],
      chatId: 'c1',
      messages: [{ id: 'u1', role: 'user', content: 'hi', tool_calls: [], tool_call_id: null, name: null, status: null, metadata: {}, usage: null }]
    }));
    const done = ctl.retry();
    const [call] = transport.calls('chats.retry');
    transport.emit({ type: 'error', id: call.id, code: 'conflict', message: 'busy elsewhere', chat_id: null });
    expect(await done).toBe(false);
    expect(store.state.running.has('c1')).toBe(false);
    expect(store.state.chatError?.text).toContain('busy elsewhere');
  });
});
