import type { ServerFrame } from '../protocol';
import type { ChatClient } from '../client';
import { ChatController } from '../controller';
import { h } from '../dom';
import type { CodeActions } from '../markdown';
import { ChatState, currentChat, initialState } from '../model/state';
import { ChangeKind, ChatStore } from '../model/store';
import { ApprovalPanel } from './approvals';
import { renderRules } from './rules';
import { createServerForms, ServerPanelActions, renderServerPanel } from './servers';
import { Sidebar } from './sidebar';
import { changedViews, renderBanner, renderChatError, renderComposer, renderHeader, renderTranscript, View } from './views';

export interface ChatAppOptions {
  client: ChatClient;
  codeActions?: CodeActions;
  /** Chat to open first (else the last one opened, else the newest). */
  initialChatId?: string | null;
  /** Called when the user opens another chat. */
  onChatSelected?: (chatId: string | null) => void;
}

/**
 * The whole chat UI; transport-agnostic. The state is a {@link ChatStore} (model/), changed by a
 * {@link ChatController} (frames and the user's actions); this class is the view: every change of
 * the store re-renders the parts whose inputs changed (ui/views.ts `VIEW_INPUTS`).
 */
export class ChatApp {
  readonly node: HTMLElement;
  private opts: ChatAppOptions;
  private store: ChatStore;
  private ctl: ChatController;

  // view state
  private showServers = false;
  private renderQueued = false;
  private serverForms: HTMLElement[] | null = null;
  private openTools = new Set<string>();
  private approvalPanel: ApprovalPanel | null = null;

  // elements
  private banner = h('div', { class: 'mcpchat-banner', 'data-testid': 'connection-banner', hidden: true });
  private errorBanner = h('div', { class: 'mcpchat-banner mcpchat-error', 'data-testid': 'error-banner', hidden: true });
  private sidebar: Sidebar;
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
    const client = opts.client;
    this.store = new ChatStore(initialState(opts.initialChatId ?? null, client.transport.state));
    this.ctl = new ChatController(client, this.store, {
      onChatSelected: id => opts.onChatSelected?.(id),
      beforeSelect: () => this.hideSidebarWhenNarrow(),
      onReady: () => (this.node.dataset.ready = 'true')
    });
    this.sidebar = new Sidebar({
      onNew: () => void this.newChat(),
      onSelect: id => void this.ctl.selectChat(id),
      onRename: (id, title) => void this.ctl.renameChat(id, title),
      onDelete: id => void this.ctl.deleteChat(id)
    });
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
      h('div', { class: 'mcpchat-body' }, this.sidebar.el, main)
    );
    this.input.addEventListener('keydown', ev => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.sendMessage();
      }
    });
    this.sendBtn.addEventListener('click', () => this.sendMessage());
    this.stopBtn.addEventListener('click', () => this.ctl.stop());
    this.store.onChange((next, prev, kind) => this.rerender(next, prev, kind));
    client.transport.onFrame(frame => this.onFrame(frame));
    client.transport.onState((state, detail) => {
      if (state !== 'open') {
        delete this.node.dataset.ready;
      }
      this.ctl.connectionChanged(state, detail);
    });
    this.renderAll();
  }

  get currentChatId(): string | null {
    return this.state.chatId;
  }

  selectChat(chatId: string | null): Promise<void> {
    return this.ctl.selectChat(chatId);
  }

  async newChat(): Promise<void> {
    if (await this.ctl.newChat()) {
      this.input.focus();
    }
  }

  private get state(): ChatState {
    return this.store.state;
  }

  private onFrame(frame: ServerFrame): void {
    this.ctl.handleFrame(frame); // a refusal of the decisions reopens the panel (state.decisionError)
  }

  private sendMessage(): void {
    const hadChat = this.state.chatId !== null;
    void this.ctl.send(this.input.value.trim()).then(sent => {
      if (sent) {
        this.input.value = '';
        if (!hadChat) {
          this.input.focus();
        }
      }
    });
  }

  private submitDecisions(decisions: Parameters<ChatController['decide']>[0]): void {
    if (!this.ctl.decide(decisions)) {
      this.approvalPanel?.reopen(); // not sent: the same choices may be submitted again
    }
  }

  private hideSidebarWhenNarrow(): void {
    if (this.sidebar.shown && this.node.clientWidth < 560) {
      this.sidebar.shown = false;
      this.renderSidebar();
      this.renderHeader();
    }
  }

  private serverActions(): ServerPanelActions {
    return {
      toggle: (name, on) =>
        void this.ctl.toggleServer(name, on).then(ok => {
          if (!ok) {
            this.renderServers(); // the checkbox shows the chat's servers again
          }
        }),
      connect: name => this.ctl.connectServer(name),
      remove: name => this.ctl.removeServer(name),
      add: async spec => {
        if (!(await this.ctl.addServer(spec))) {
          this.renderServers();
        }
      },
      importConfig: doc => this.ctl.importServers(doc)
    };
  }

  // ------------------------------------------------------------------ rendering

  private rerender(next: ChatState, prev: ChatState, kind: ChangeKind): void {
    const render: Record<View, () => void> = {
      banner: () => this.renderBanner(),
      sidebar: () => this.renderSidebar(),
      header: () => this.renderHeader(),
      servers: () => this.renderServers(),
      transcript: () => (kind === 'token' ? this.queueTranscript() : this.renderTranscript()),
      approvals: () => this.renderApprovals(),
      composer: () => this.renderComposer()
    };
    changedViews(next, prev).forEach(view => render[view]());
  }

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
    renderBanner(this.banner, this.errorBanner, this.state, {
      reconnect: () => this.opts.client.transport.reconnect(),
      dismiss: () => this.ctl.dismissGlobalError()
    });
    this.node.dataset.connection = this.state.connection;
  }

  private renderSidebar(): void {
    this.sidebar.render(this.state);
  }

  private renderHeader(): void {
    renderHeader(this.header, this.state, {
      showSidebar: this.sidebar.shown,
      showServers: this.showServers,
      onToggleSidebar: () => {
        this.sidebar.shown = !this.sidebar.shown;
        this.renderSidebar();
        this.renderHeader();
      },
      onToggleServers: () => {
        this.showServers = !this.showServers;
        if (this.showServers) {
          void this.ctl.loadRules(); // rules may have changed in another client
        }
        this.renderServers();
        this.renderHeader();
      },
      onNew: () => void this.newChat()
    });
  }

  private renderServers(): void {
    this.serverBox.replaceChildren();
    this.serverBox.hidden = !this.showServers;
    if (!this.showServers) {
      return;
    }
    const chat = currentChat(this.state);
    this.serverForms ??= createServerForms(this.serverActions());
    const scroll = this.serverBox.scrollTop;
    this.serverBox.append(
      renderServerPanel(this.state.servers, chat ? chat.servers : null, this.serverActions(), this.serverForms, this.openTools),
      renderRules(this.state.rules, this.state.chatId, this.state.chats, {
        remove: id => this.ctl.removeRule(id),
        refresh: () => void this.ctl.loadRules()
      })
    );
    this.serverBox.scrollTop = scroll;
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
    renderTranscript(this.transcript, this.state, this.opts.codeActions ?? {}, () => void this.ctl.retry());
  }

  private renderApprovals(): void {
    const { pending, decisionError } = this.state;
    if (pending.length === 0) {
      this.approvalPanel = null;
      this.approvalBox.replaceChildren();
      return;
    }
    // the same calls still wait (a refusal, a history reload): keep the choices, edits and reasons
    if (this.approvalPanel?.key !== ApprovalPanel.keyOf(pending)) {
      this.approvalPanel = new ApprovalPanel(pending, d => this.submitDecisions(d));
      this.approvalBox.replaceChildren(this.approvalPanel.el);
    }
    this.approvalPanel.showError(decisionError);
  }

  private renderComposer(): void {
    renderComposer({ root: this.node, send: this.sendBtn, stop: this.stopBtn }, this.state);
    renderChatError(this.chatErrorBox, this.state, () => this.ctl.dismissChatError());
  }
}
