import type {
  ChatInfo,
  ChatMessage,
  Decision,
  ErrorFrame,
  ModelInfo,
  PendingCall,
  ServerFrame,
  ServerStatus,
  TurnEvent
} from '../protocol';
import { ChatClient, RpcError } from '../client';
import type { ConnectionState } from '../transport';
import { clear, h } from '../dom';
import type { CodeActions } from '../markdown';
import { renderApprovals } from './approvals';
import { renderChatList } from './chatList';
import { CallStatus, MessageContext, renderMessage, renderOrphanTool } from './messages';
import { createServerForms, ServerPanelActions, renderServerPanel } from './servers';

export interface ChatAppOptions {
  client: ChatClient;
  codeActions?: CodeActions;
  /** Chat to open first (else the last one opened, else the newest). */
  initialChatId?: string | null;
  /** Called when the user opens another chat. */
  onChatSelected?: (chatId: string | null) => void;
}

interface Note {
  after: number; // index into messages it follows
  text: string;
  level: 'info' | 'error';
}

const TURN_TYPES = new Set([
  'turn_started',
  'token',
  'ai_message',
  'approval_required',
  'approval_decided',
  'tool_started',
  'tool_result',
  'done',
  'stopped'
]);

function message(err: unknown): string {
  return err instanceof RpcError || err instanceof Error ? err.message : String(err);
}

/** The whole chat UI; transport-agnostic. */
export class ChatApp {
  readonly node: HTMLElement;
  private client: ChatClient;
  private opts: ChatAppOptions;

  // state
  private connection: ConnectionState = 'connecting';
  /** The server's `welcome` arrived on the current connection (a socket can be open before it). */
  private welcomed = false;
  /** Bumped on every change of `chats`: a list answer older than a local change is not applied. */
  private chatsEpoch = 0;
  private connectionDetail = '';
  private model: ModelInfo | null = null;
  private chats: ChatInfo[] = [];
  private servers: ServerStatus[] = [];
  private chatId: string | null = null;
  private messages: ChatMessage[] = [];
  private notes: Note[] = [];
  private pending: PendingCall[] = [];
  private callStatus = new Map<string, CallStatus>();
  private truncated = new Set<string>();
  private streamingId: string | null = null;
  private running = new Set<string>();
  private globalError = '';
  private chatError: { code: string; text: string } | null = null;
  private search = '';
  private renaming: { id: string; draft: string } | null = null;
  private showSidebar = false;
  private showServers = false;
  private loadingHistory = false;
  private renderQueued = false;
  private historySeq = 0;
  private serverForms: HTMLElement[] | null = null;
  private openTools = new Set<string>();
  private renderedPending: PendingCall[] | null = null;

  // elements
  private banner = h('div', { class: 'mcpchat-banner', 'data-testid': 'connection-banner', hidden: true });
  private errorBanner = h('div', { class: 'mcpchat-banner mcpchat-error', 'data-testid': 'error-banner', hidden: true });
  private sidebar = h('aside', { class: 'mcpchat-sidebar', 'data-testid': 'chat-sidebar' });
  private header = h('div', { class: 'mcpchat-header' });
  private serverBox = h('div', { class: 'mcpchat-server-box' });
  private transcript = h('div', { class: 'mcpchat-transcript', 'data-testid': 'transcript' });
  private approvalBox = h('div', { class: 'mcpchat-approval-box' });
  private chatErrorBox = h('div', { class: 'mcpchat-chat-error', 'data-testid': 'chat-error', hidden: true });
  private input = h('textarea', {
    class: 'mcpchat-input',
    'data-testid': 'chat-input',
    rows: 2,
    placeholder: 'Message the agent…  (Enter to send, Shift+Enter for a new line)'
  });
  private sendBtn = h('button', { class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'send' }, 'Send');
  private stopBtn = h('button', { class: 'mcpchat-btn mcpchat-stop', 'data-testid': 'stop', hidden: true }, 'Stop');

  constructor(opts: ChatAppOptions) {
    this.opts = opts;
    this.client = opts.client;
    this.chatId = opts.initialChatId ?? null;
    const main = h(
      'main',
      { class: 'mcpchat-main' },
      this.header,
      this.serverBox,
      this.transcript,
      this.approvalBox,
      this.chatErrorBox,
      h('div', { class: 'mcpchat-composer' }, this.input, h('div', { class: 'mcpchat-composer-actions' }, this.sendBtn, this.stopBtn))
    );
    this.node = h(
      'div',
      { class: 'mcpchat-root', 'data-testid': 'mcpchat' },
      this.banner,
      this.errorBanner,
      h('div', { class: 'mcpchat-body' }, this.sidebar, main)
    );
    this.input.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.sendMessage();
      }
    });
    this.sendBtn.addEventListener('click', () => this.sendMessage());
    this.stopBtn.addEventListener('click', () => this.stopTurn());
    this.client.transport.onFrame(frame => this.onFrame(frame));
    this.client.transport.onState((state, detail) => {
      if (state !== 'open') {
        this.welcomed = false;
        delete this.node.dataset.ready;
      }
      // the chat server is usable once it said welcome, not when the socket opened
      this.connection = state === 'open' && !this.welcomed ? 'connecting' : state;
      this.connectionDetail = detail ?? '';
      this.renderBanner();
    });
    this.connection = this.client.transport.state === 'open' ? 'connecting' : this.client.transport.state;
    this.renderAll();
  }

  // ------------------------------------------------------------------ frames

  private onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.model = frame.model;
        this.welcomed = true;
        this.connection = 'open';
        this.globalError = '';
        this.renderBanner();
        this.renderHeader();
        void this.refreshAll();
        return;
      case 'chats_changed':
        this.setChats(frame.chats);
        return;
      case 'servers_changed':
        this.servers = frame.servers;
        this.renderServers();
        this.renderHeader();
        return;
      case 'result':
      case 'pong':
        return;
      case 'error':
        if (frame.id) {
          return; // answered a call: the caller shows it
        }
        if (frame.chat_id) {
          this.onTurnEvent(frame);
        } else {
          this.globalError = frame.message;
          this.renderBanner();
        }
        return;
      default:
        if (TURN_TYPES.has(frame.type)) {
          this.onTurnEvent(frame as TurnEvent);
        }
    }
  }

  private onTurnEvent(ev: TurnEvent): void {
    const chatId = (ev as { chat_id?: string | null }).chat_id ?? null;
    if (!chatId) {
      return;
    }
    this.trackRunning(ev, chatId);
    if (chatId !== this.chatId) {
      this.renderSidebar();
      return;
    }
    switch (ev.type) {
      case 'turn_started':
        this.chatError = null;
        if (ev.user_message) {
          this.upsert(ev.user_message);
        }
        break;
      case 'token': {
        let msg = this.messages.find(m => m.id === ev.message_id);
        if (!msg) {
          msg = { id: ev.message_id, role: 'assistant', content: '', tool_calls: [] };
          this.messages.push(msg);
        }
        msg.content += ev.text;
        this.streamingId = ev.message_id;
        this.queueTranscript();
        this.renderComposer();
        return;
      }
      case 'ai_message':
        this.upsert(ev.message);
        this.streamingId = null;
        break;
      case 'approval_required':
        this.pending = ev.calls;
        for (const c of ev.calls) {
          this.callStatus.set(c.id, { kind: 'pending', text: 'awaiting your approval' });
        }
        break;
      case 'approval_decided':
        ev.decisions.forEach(d => {
          const text =
            d.action === 'reject'
              ? `rejected${d.reason ? `: ${d.reason}` : ''}`
              : `${ev.auto ? 'auto-approved' : d.action === 'edit' ? 'approved with edits' : 'approved'}`;
          this.callStatus.set(d.call_id, { kind: d.action === 'reject' ? 'rejected' : 'approved', text });
        });
        this.pending = this.pending.filter(p => !ev.decisions.some(d => d.call_id === p.id));
        break;
      case 'tool_started':
        this.callStatus.set(ev.call.id, { kind: 'running', text: 'running…' });
        this.updateCallArgs(ev.call.id, ev.call.args);
        break;
      case 'tool_result':
        if (ev.truncated && ev.message.tool_call_id) {
          this.truncated.add(ev.message.tool_call_id);
        }
        this.upsert(ev.message);
        break;
      case 'done':
        if (ev.message) {
          this.upsert(ev.message);
        }
        this.streamingId = null;
        this.pending = [];
        break;
      case 'stopped':
        this.streamingId = null;
        this.pending = [];
        this.notes.push({ after: this.messages.length, text: 'Stopped.', level: 'info' });
        break;
      case 'error':
        this.streamingId = null;
        this.renderedPending = null; // re-enable the decision buttons
        this.showChatError(ev);
        break;
    }
    this.renderTranscript();
    this.renderApprovals();
    this.renderComposer();
  }

  private trackRunning(ev: TurnEvent, chatId: string): void {
    if (ev.type === 'turn_started' || ev.type === 'token' || ev.type === 'tool_started') {
      this.running.add(chatId);
    } else if (ev.type === 'done' || ev.type === 'stopped' || ev.type === 'approval_required' || ev.type === 'error') {
      this.running.delete(chatId);
    }
  }

  private showChatError(ev: ErrorFrame): void {
    const prefix =
      ev.code === 'model_error'
        ? 'The model failed: '
        : ev.code === 'mcp_error'
          ? 'An MCP server failed: '
          : ev.code === 'conflict'
            ? ''
            : 'Error: ';
    this.chatError = { code: ev.code, text: prefix + ev.message };
  }

  private upsert(msg: ChatMessage): void {
    const i = this.messages.findIndex(m => m.id === msg.id);
    if (i >= 0) {
      this.messages[i] = msg;
    } else {
      this.messages.push(msg);
    }
  }

  private updateCallArgs(callId: string, args: Record<string, unknown>): void {
    for (const m of this.messages) {
      for (const c of m.tool_calls ?? []) {
        if (c.id === callId) {
          c.args = args;
        }
      }
    }
  }

  // ------------------------------------------------------------------ actions

  private async refreshAll(): Promise<void> {
    try {
      const epoch = this.chatsEpoch;
      const [chats, servers] = await Promise.all([this.client.call('chats.list'), this.client.call('servers.list')]);
      this.servers = servers;
      if (epoch === this.chatsEpoch) {
        this.setChats(chats);
      } // else: a chat was created/renamed/deleted meanwhile and `this.chats` is newer than this answer
      const known = this.chats;
      if (!this.chatId && known.length) {
        await this.selectChat(known[0].id); // renders everything
      } else {
        if (this.chatId && known.some(c => c.id === this.chatId)) {
          await this.loadHistory(this.chatId);
        } else if (this.chatId) {
          await this.selectChat(known[0]?.id ?? null);
        }
        this.renderAll();
      }
      this.node.dataset.ready = 'true';
    } catch (err) {
      this.globalError = `Could not load chats: ${message(err)}`;
      this.renderBanner();
    }
  }

  private setChats(chats: ChatInfo[]): void {
    this.chats = chats;
    this.chatsEpoch++;
    if (this.chatId && !chats.some(c => c.id === this.chatId)) {
      void this.selectChat(chats[0]?.id ?? null);
    }
    this.renderSidebar();
    this.renderHeader();
    this.renderServers();
  }

  private currentChat(): ChatInfo | undefined {
    return this.chats.find(c => c.id === this.chatId);
  }

  get currentChatId(): string | null {
    return this.chatId;
  }

  async selectChat(chatId: string | null): Promise<void> {
    const changed = chatId !== this.chatId;
    this.chatId = chatId;
    this.messages = [];
    this.notes = [];
    this.pending = [];
    this.callStatus.clear();
    this.truncated.clear();
    this.streamingId = null;
    this.chatError = null;
    if (changed) {
      this.opts.onChatSelected?.(chatId);
    }
    if (this.showSidebar && this.node.clientWidth < 560) {
      this.showSidebar = false;
    }
    this.renderAll();
    if (chatId) {
      await this.loadHistory(chatId);
    }
  }

  private async loadHistory(chatId: string): Promise<void> {
    const seq = ++this.historySeq;
    this.loadingHistory = true;
    this.renderTranscript();
    try {
      const page = await this.client.call('chats.history', { chat_id: chatId });
      if (seq !== this.historySeq || chatId !== this.chatId) {
        return;
      }
      // keep messages that streamed in while the history was loading
      const known = new Set(page.messages.map(m => m.id));
      const live = this.messages.filter(m => !known.has(m.id));
      this.messages = [...page.messages, ...live];
      this.pending = page.pending;
      for (const c of page.pending) {
        this.callStatus.set(c.id, { kind: 'pending', text: 'awaiting your approval' });
      }
      this.upsertChat(page.chat);
    } catch (err) {
      this.chatError = { code: 'load', text: `Could not load this chat: ${message(err)}` };
    } finally {
      if (seq === this.historySeq) {
        this.loadingHistory = false;
      }
      this.renderTranscript();
      this.renderApprovals();
      this.renderComposer();
    }
  }

  private upsertChat(chat: ChatInfo): void {
    const i = this.chats.findIndex(c => c.id === chat.id);
    if (i >= 0) {
      this.chats[i] = chat;
    } else {
      this.chats.unshift(chat);
    }
    this.chatsEpoch++;
    this.renderSidebar();
    this.renderHeader();
    this.renderServers();
  }

  async newChat(): Promise<void> {
    try {
      const chat = await this.client.call('chats.create', {});
      this.upsertChat(chat);
      await this.selectChat(chat.id);
      this.input.focus();
    } catch (err) {
      this.flash(`Could not create a chat: ${message(err)}`);
    }
  }

  private async renameChat(chatId: string, title: string): Promise<void> {
    try {
      this.upsertChat(await this.client.call('chats.update', { chat_id: chatId, title }));
    } catch (err) {
      this.flash(`Could not rename: ${message(err)}`);
    }
  }

  private async deleteChat(chatId: string): Promise<void> {
    try {
      await this.client.call('chats.delete', { chat_id: chatId });
      this.chats = this.chats.filter(c => c.id !== chatId);
      this.chatsEpoch++;
      if (this.chatId === chatId) {
        await this.selectChat(this.chats[0]?.id ?? null);
      }
      this.renderSidebar();
    } catch (err) {
      this.flash(`Could not delete: ${message(err)}`);
    }
  }

  private async toggleServer(name: string, on: boolean): Promise<void> {
    const chat = this.currentChat();
    if (!chat) {
      return;
    }
    const servers = on ? [...new Set([...chat.servers, name])] : chat.servers.filter(s => s !== name);
    try {
      this.upsertChat(await this.client.call('chats.update', { chat_id: chat.id, servers }));
    } catch (err) {
      this.flash(`Could not change servers: ${message(err)}`);
      this.renderServers();
    }
  }

  private upsertServer(status: ServerStatus): void {
    const i = this.servers.findIndex(s => s.name === status.name);
    if (i >= 0) {
      this.servers[i] = status;
    } else {
      this.servers.push(status);
    }
    this.renderServers();
    this.renderHeader();
  }

  private sendMessage(): void {
    const text = this.input.value.trim();
    if (!text || this.isBusy()) {
      return;
    }
    const go = async () => {
      if (!this.chatId) {
        await this.newChat();
        if (!this.chatId) {
          return;
        }
      }
      try {
        this.client.sendMessage(this.chatId, text);
        this.input.value = '';
        this.chatError = null;
        this.running.add(this.chatId);
        this.renderComposer();
        this.renderChatError();
      } catch (err) {
        this.flash(`Not sent: ${message(err)}`);
      }
    };
    void go();
  }

  private stopTurn(): void {
    if (!this.chatId) {
      return;
    }
    try {
      this.client.stop(this.chatId);
    } catch (err) {
      this.flash(`Could not stop: ${message(err)}`);
    }
  }

  private submitDecisions(decisions: Decision[]): void {
    if (!this.chatId) {
      return;
    }
    try {
      this.client.decide(this.chatId, decisions);
      this.running.add(this.chatId);
      this.renderComposer();
    } catch (err) {
      this.flash(`Decisions not sent: ${message(err)}`);
      this.renderedPending = null;
      this.renderApprovals();
    }
  }

  private isBusy(): boolean {
    return !!this.chatId && (this.running.has(this.chatId) || this.pending.length > 0);
  }

  private flash(text: string): void {
    this.chatError = { code: 'ui', text };
    this.renderChatError();
  }

  // ------------------------------------------------------------------ rendering

  private renderAll(): void {
    this.renderBanner();
    this.renderSidebar();
    this.renderHeader();
    this.renderServers();
    this.renderTranscript();
    this.renderApprovals();
    this.renderComposer();
  }

  private renderBanner(): void {
    clear(this.banner);
    const state = this.connection;
    this.banner.hidden = state === 'open';
    this.banner.dataset.state = state;
    if (state === 'connecting') {
      this.banner.append('Connecting to the chat server…');
    } else if (state === 'closed') {
      const retry = h('button', { class: 'mcpchat-btn mcpchat-small', 'data-testid': 'reconnect' }, 'Reconnect now');
      retry.addEventListener('click', () => this.client.transport.reconnect());
      this.banner.append(
        `Disconnected from the chat server${this.connectionDetail ? ` (${this.connectionDetail})` : ''}. Reconnecting… `,
        retry
      );
    }
    clear(this.errorBanner);
    this.errorBanner.hidden = !this.globalError;
    if (this.globalError) {
      const close = h('button', { class: 'mcpchat-btn mcpchat-small', title: 'Dismiss' }, '×');
      close.addEventListener('click', () => {
        this.globalError = '';
        this.renderBanner();
      });
      this.errorBanner.append(this.globalError, ' ', close);
    }
    this.node.dataset.connection = state;
  }

  private renderSidebar(): void {
    this.sidebar.hidden = !this.showSidebar;
    clear(this.sidebar);
    this.sidebar.append(
      renderChatList({
        chats: this.chats,
        current: this.chatId,
        running: this.running,
        search: this.search,
        onSearch: q => {
          this.search = q;
          this.renderSidebar();
          const box = this.sidebar.querySelector<HTMLInputElement>('[data-testid="chat-search"]');
          box?.focus();
          box?.setSelectionRange(q.length, q.length);
        },
        onNew: () => void this.newChat(),
        onSelect: id => void this.selectChat(id),
        renaming: this.renaming,
        onRenameStart: id => {
          this.renaming = { id, draft: this.chats.find(c => c.id === id)?.title ?? '' };
          this.renderSidebar();
        },
        onRenameDraft: text => {
          if (this.renaming) {
            this.renaming.draft = text;
          }
        },
        onRenameEnd: save => {
          const r = this.renaming;
          this.renaming = null;
          const title = r?.draft.trim();
          const chat = r && this.chats.find(c => c.id === r.id);
          if (save && chat && title && title !== chat.title) {
            chat.title = title; // optimistic; the server's answer follows
            void this.renameChat(chat.id, title);
          }
          this.renderSidebar();
          this.renderHeader();
        },
        onDelete: id => void this.deleteChat(id)
      })
    );
  }

  private renderHeader(): void {
    clear(this.header);
    const chat = this.currentChat();
    const toggle = h(
      'button',
      { class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'toggle-chats', title: 'Show / hide chats', 'aria-pressed': String(this.showSidebar) },
      '☰'
    );
    toggle.addEventListener('click', () => {
      this.showSidebar = !this.showSidebar;
      this.renderSidebar();
      this.renderHeader();
    });
    const newBtn = h('button', { class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'new-chat', title: 'New chat' }, '+');
    newBtn.addEventListener('click', () => void this.newChat());
    const inChat = chat ? this.servers.filter(s => chat.servers.includes(s.name)) : [];
    const failed = inChat.filter(s => s.state === 'error').length;
    const serversBtn = h(
      'button',
      {
        class: `mcpchat-btn mcpchat-small${failed ? ' mcpchat-warn' : ''}`,
        'data-testid': 'toggle-servers',
        title: 'MCP servers of this chat',
        'aria-pressed': String(this.showServers)
      },
      `Servers ${chat ? `(${inChat.length})` : ''}${failed ? ' ⚠' : ''}`
    );
    serversBtn.addEventListener('click', () => {
      this.showServers = !this.showServers;
      this.renderServers();
      this.renderHeader();
    });
    let badge: HTMLElement | null = null;
    if (this.model) {
      badge = this.model.demo
        ? h('span', { class: 'mcpchat-badge mcpchat-demo', 'data-testid': 'demo-badge', title: this.model.label }, 'Offline demo model')
        : h('span', { class: 'mcpchat-badge', 'data-testid': 'model-badge', title: this.model.label }, this.model.name);
    }
    this.header.append(
      toggle,
      h('span', { class: 'mcpchat-title', 'data-testid': 'chat-title', title: chat?.title ?? '' }, chat?.title ?? 'mcpchat'),
      newBtn,
      ...(badge ? [badge] : []),
      serversBtn
    );
  }

  private serverActions(): ServerPanelActions {
    return {
      toggle: (name, on) => void this.toggleServer(name, on),
      connect: async name => {
        try {
          this.upsertServer(await this.client.call('servers.connect', { name }));
        } catch (err) {
          this.flash(`Could not connect ${name}: ${message(err)}`);
        }
      },
      remove: async name => {
        try {
          await this.client.call('servers.remove', { name });
          this.servers = this.servers.filter(s => s.name !== name);
          this.renderServers();
        } catch (err) {
          this.flash(`Could not remove ${name}: ${message(err)}`);
        }
      },
      add: async spec => {
        const status = await this.client.call('servers.add', spec as unknown as Record<string, unknown>);
        this.upsertServer(status);
        const chat = this.currentChat();
        if (chat && !chat.servers.includes(status.name)) {
          await this.toggleServer(status.name, true);
        }
      },
      importConfig: async (doc, replace) => {
        const params = { ...(doc as Record<string, unknown>), replace };
        const statuses = await this.client.call('servers.import', params);
        statuses.forEach(s => this.upsertServer(s));
      }
    };
  }

  private renderServers(): void {
    clear(this.serverBox);
    this.serverBox.hidden = !this.showServers;
    if (!this.showServers) {
      return;
    }
    const chat = this.currentChat();
    this.serverForms ??= createServerForms(this.serverActions());
    const scroll = this.serverBox.scrollTop;
    this.serverBox.append(
      renderServerPanel(this.servers, chat ? chat.servers : null, this.serverActions(), this.serverForms, this.openTools)
    );
    this.serverBox.scrollTop = scroll;
  }

  private context(): MessageContext {
    const results = new Map<string, ChatMessage>();
    for (const m of this.messages) {
      if (m.role === 'tool' && m.tool_call_id) {
        results.set(m.tool_call_id, m);
      }
    }
    return {
      codeActions: this.opts.codeActions ?? {},
      resultOf: id => results.get(id),
      statusOf: id => this.callStatus.get(id),
      truncated: id => this.truncated.has(id),
      toolOf: name => {
        for (const srv of this.servers) {
          const t = srv.tools.find(x => x.name === name);
          if (t) {
            return { server: t.server, tool: t.tool };
          }
        }
        return undefined;
      }
    };
  }

  private queueTranscript(): void {
    if (this.renderQueued) {
      return;
    }
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      this.renderTranscript();
    });
  }

  private renderTranscript(): void {
    const t = this.transcript;
    const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 40;
    clear(t);
    if (!this.chatId) {
      t.append(
        h(
          'div',
          { class: 'mcpchat-empty', 'data-testid': 'empty-state' },
          h('p', {}, 'Chat with an agent that uses tools from your MCP servers.'),
          h('p', {}, 'No tool runs before you approve it.'),
          h('p', {}, 'Type a message below to start a new chat.')
        )
      );
      return;
    }
    const ctx = this.context();
    const callIds = new Set(this.messages.flatMap(m => (m.tool_calls ?? []).map(c => c.id)));
    const notesAt = (i: number) =>
      this.notes.filter(n => n.after === i).map(n => h('div', { class: `mcpchat-note mcpchat-note-${n.level}` }, n.text));
    this.messages.forEach((m, i) => {
      t.append(...notesAt(i));
      if (m.role === 'tool' && !(m.tool_call_id && callIds.has(m.tool_call_id))) {
        t.append(renderOrphanTool(m));
        return;
      }
      const el = renderMessage(m, ctx, m.id === this.streamingId);
      if (el) {
        t.append(el);
      }
    });
    t.append(...notesAt(this.messages.length));
    if (this.loadingHistory && this.messages.length === 0) {
      t.append(h('div', { class: 'mcpchat-note' }, 'Loading…'));
    } else if (this.messages.length === 0) {
      t.append(h('div', { class: 'mcpchat-empty', 'data-testid': 'empty-chat' }, 'No messages yet. Say hello!'));
    }
    if (this.chatId && this.running.has(this.chatId) && !this.streamingId) {
      t.append(h('div', { class: 'mcpchat-typing', 'data-testid': 'thinking' }, 'Thinking…'));
    }
    if (atBottom || this.running.has(this.chatId)) {
      t.scrollTop = t.scrollHeight;
    }
  }

  private renderApprovals(): void {
    if (this.renderedPending === this.pending && this.approvalBox.childElementCount === (this.pending.length ? 1 : 0)) {
      return; // keep the choices and reasons being typed
    }
    this.renderedPending = this.pending;
    clear(this.approvalBox);
    if (this.pending.length > 0) {
      this.approvalBox.append(renderApprovals(this.pending, d => this.submitDecisions(d)));
    }
  }

  private renderChatError(): void {
    clear(this.chatErrorBox);
    const err = this.chatError;
    this.chatErrorBox.hidden = !err;
    if (err) {
      this.chatErrorBox.dataset.code = err.code;
      const close = h('button', { class: 'mcpchat-btn mcpchat-small', title: 'Dismiss' }, '×');
      close.addEventListener('click', () => {
        this.chatError = null;
        this.renderChatError();
      });
      this.chatErrorBox.append(h('span', {}, err.text), ' ', close);
    }
  }

  private renderComposer(): void {
    const running = !!this.chatId && this.running.has(this.chatId);
    this.stopBtn.hidden = !running;
    this.sendBtn.disabled = this.isBusy() || this.connection !== 'open';
    this.sendBtn.title = this.pending.length ? 'Decide the pending tool calls first' : '';
    this.node.dataset.running = String(running);
    this.renderChatError();
  }
}
