import type { ServerFrame } from '../protocol';
import type { ChatClient } from '../client';
import { ChatController } from '../controller';
import { focusPlace, focusUnlessMoved, h } from '../dom';
import type { CodeActions } from '../markdown';
import { announcement, sendBlocker } from '../model/feedback';
import { ChatState, currentChat, initialState } from '../model/state';
import { AttachmentTray, ContextSources } from '../context/attachments';
import type { Attachment } from '../protocol';
import { ChangeKind, ChatStore } from '../model/store';
import { ApprovalPanel } from './approvals';
import { BranchControls } from './branches';
import { ModelBar } from './modelBar';
import { renderRules } from './rules';
import { createServerForms, renderServerPanel } from './servers';
import { serverActions } from './serverActions';
import { listenToContent, sendOnEnter } from './contentEvents';
import { Sidebar } from './sidebar';
import { TranscriptView } from './transcript';
import { changedViews, renderBanner, renderChatError, renderComposer, renderHeader, View } from './views';
import { ServerRequestsView } from './serverRequests';

export interface ChatAppOptions {
  client: ChatClient;
  codeActions?: CodeActions;
  /** Chat to open first (else the last one opened, else the newest). */
  initialChatId?: string | null;
  /** Called when the user opens another chat. */
  onChatSelected?: (chatId: string | null) => void;
  /** What the composer can attach in one click (JupyterLab: notebook, cells, error). */
  contextSources?: ContextSources;
}

/**
 * The whole chat UI; transport-agnostic. The state is a {@link ChatStore} (model/), changed by a
 * {@link ChatController} (frames and the user's actions); this class is the view: every change of
 * the store re-renders the parts whose inputs changed (ui/views.ts `VIEW_INPUTS`).
 */
export class ChatApp {
  readonly node: HTMLElement;
  private store: ChatStore;
  private ctl: ChatController;

  // view state
  private showServers = false;
  private renderQueued = false;
  private serverForms: HTMLElement[] | null = null;
  private openTools = new Set<string>();
  private approvalPanel: ApprovalPanel | null = null;
  private branches: BranchControls;
  private tray: AttachmentTray | null = null;
  private transcriptView: TranscriptView;

  // elements
  private banner = h('div', { class: 'mcpchat-banner', 'data-testid': 'connection-banner', hidden: true });
  private errorBanner = h('div', { class: 'mcpchat-banner mcpchat-error', 'data-testid': 'error-banner', hidden: true });
  private sidebar: Sidebar;
  private header = h('div', { class: 'mcpchat-header' });
  private serverBox = h('div', { class: 'mcpchat-server-box' });
  private transcript = h('div', { class: 'mcpchat-transcript', 'data-testid': 'transcript' });
  private approvalBox = h('div', { class: 'mcpchat-approval-box' });
  private chatErrorBox = h('div', { class: 'mcpchat-chat-error', 'data-testid': 'chat-error', role: 'alert', hidden: true });
  private input = h('textarea', {
    class: 'mcpchat-input',
    'data-testid': 'chat-input',
    rows: 2,
    'aria-label': 'Message to the agent (Enter sends, Shift+Enter adds a line)',
    placeholder: 'Message the agent…'
  });
  private sendBtn = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'send' }, 'Send');
  private stopBtn = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-stop', 'data-testid': 'stop', hidden: true, 'aria-label': 'Stop the reply' },
    'Stop'
  );
  /** Why Enter did not send (polite: read after the current speech). */
  private composerHint = h('div', { class: 'mcpchat-composer-hint', 'data-testid': 'composer-hint', role: 'status', hidden: true });
  /** Replies and approval requests, for screen readers (visually hidden). */
  private liveRegion = h('div', { class: 'mcpchat-sr-only', 'data-testid': 'live-region', role: 'status', 'aria-live': 'polite' });
  /** The user pressed Enter while sending was impossible: the hint stays until it can send. */
  private hintShown = false;

  constructor(private opts: ChatAppOptions) {
    const client = opts.client;
    this.store = new ChatStore(initialState(opts.initialChatId ?? null, client.transport.state));
    this.ctl = new ChatController(client, this.store, {
      onChatSelected: id => opts.onChatSelected?.(id),
      beforeSelect: () => this.hideSidebarWhenNarrow(),
      onReady: () => (this.node.dataset.ready = 'true')
    });
    this.branches = new BranchControls(client, this.store, {
      flash: text => this.ctl.flash(text),
      rerender: () => this.queueTranscript()
    });
    this.transcriptView = new TranscriptView(this.transcript, {
      codeActions: opts.codeActions ?? {},
      onRetry: () => void this.ctl.retry(),
      onLoadOlder: () => void this.ctl.loadOlder(),
      branches: s => this.branches.parts(s)
    });
    this.sidebar = new Sidebar({
      onNew: () => void this.newChat(),
      onSelect: id => void this.ctl.selectChat(id),
      onRename: (id, title) => void this.ctl.renameChat(id, title),
      onDelete: id => void this.ctl.deleteChat(id),
      onClose: () => this.setSidebar(false, true)
    });
    this.tray = new AttachmentTray(opts.contextSources ?? {}); // (resources: in the widget too)
    const main = h(
      'div',
      { class: 'mcpchat-main' },
      new ModelBar(client, this.store).el, // model picker, usage, context gauge, export
      this.serverBox,
      this.transcript,
      this.approvalBox,
      new ServerRequestsView(client, this.store).el, // MCP servers' elicitation / sampling cards
      this.chatErrorBox,
      this.tray?.node,
      h(
        'div',
        { class: 'mcpchat-composer' },
        h('div', { class: 'mcpchat-composer-row' }, this.input, h('div', { class: 'mcpchat-composer-actions' }, this.sendBtn, this.stopBtn)),
        this.composerHint
      )
    );
    // the header sits above the chat list, so the list (an overlay on narrow panels) never covers its toggle
    this.node = h(
      'div',
      { class: 'mcpchat-root', 'data-testid': 'mcpchat' },
      this.banner,
      this.errorBanner,
      this.header,
      h('div', { class: 'mcpchat-body' }, this.sidebar.el, main),
      this.liveRegion
    );
    sendOnEnter(this.input, () => this.sendMessage());
    this.node.addEventListener('keydown', ev => this.onEscape(ev));
    this.sendBtn.addEventListener('click', () => this.sendMessage());
    this.stopBtn.addEventListener('click', () => this.ctl.stop());
    listenToContent(this.node, this.ctl, this.input, this.tray);
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
    const before = focusPlace();
    if (await this.ctl.newChat()) {
      focusUnlessMoved(this.input, before); // the new chat's history arrives late: the user may have gone on
    }
  }

  private get state(): ChatState {
    return this.store.state;
  }

  private onFrame(frame: ServerFrame): void {
    this.ctl.handleFrame(frame); // a refusal of the decisions reopens the panel (state.decisionError)
  }

  private sendMessage(): void {
    const blocker = sendBlocker(this.state);
    if (blocker && this.input.value.trim()) {
      this.hintShown = true; // say why; the text stays in the box
      this.renderComposer();
      return;
    }
    const hadChat = this.state.chatId !== null;
    const before = focusPlace();
    if (this.input.value.trim()) {
      this.transcriptView.pin(); // the user's own message and the reply: follow them
    }
    void this.ctl.send(this.input.value.trim(), this.tray?.current).then(sent => {
      if (sent) {
        this.input.value = '';
        this.tray?.clear();
        if (!hadChat) {
          focusUnlessMoved(this.input, before);
        }
      }
    });
  }

  /** Attach context to the next message (e.g. "ask about this error"), optionally with a text. */
  attach(item: Attachment, text?: string): void {
    this.tray?.add(item);
    if (text && !this.input.value.trim()) {
      this.input.value = text;
    }
    this.input.focus();
  }

  private submitDecisions(decisions: Parameters<ChatController['decide']>[0], hadFocus: boolean): void {
    if (!this.ctl.decide(decisions)) {
      this.approvalPanel?.reopen(); // not sent: the same choices may be submitted again
    } else if (hadFocus) {
      this.input.focus(); // decided: on to the next message (a refusal brings the focus back to its card)
    }
  }

  /** The chat list covers the chat (narrow panels; same width as the CSS container query). */
  private get narrow(): boolean {
    return this.node.clientWidth <= 520;
  }

  private hideSidebarWhenNarrow(): void {
    if (this.sidebar.shown && this.narrow) {
      this.setSidebar(false, false);
    }
  }

  private setSidebar(shown: boolean, moveFocus: boolean): void {
    this.sidebar.shown = shown;
    this.renderSidebar();
    this.renderHeader();
    if (moveFocus) {
      if (shown) {
        this.sidebar.focus();
      } else {
        this.header.querySelector<HTMLElement>('[data-testid="toggle-chats"]')?.focus();
      }
    }
  }

  /** Escape closes what covers the chat: the chat list overlay, else the servers panel. */
  private onEscape(ev: KeyboardEvent): void {
    if (ev.key !== 'Escape' || ev.defaultPrevented) {
      return;
    }
    if (this.sidebar.shown && this.narrow) {
      ev.preventDefault();
      this.setSidebar(false, true);
    } else if (this.showServers && this.serverBox.contains(ev.target as Node)) {
      ev.preventDefault();
      this.showServers = false;
      this.renderServers();
      this.renderHeader();
      this.header.querySelector<HTMLElement>('[data-testid="toggle-servers"]')?.focus();
    }
  }

  // ------------------------------------------------------------------ rendering

  private rerender(next: ChatState, prev: ChatState, kind: ChangeKind): void {
    const said = announcement(prev, next);
    if (said) {
      this.liveRegion.textContent = said;
    }
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
      onToggleSidebar: () => this.setSidebar(!this.sidebar.shown, this.narrow),
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
    this.serverForms ??= createServerForms(serverActions(this.ctl, () => this.renderServers()));
    const scroll = this.serverBox.scrollTop;
    this.serverBox.append(
      renderServerPanel(this.state.servers, chat ? chat.servers : null, serverActions(this.ctl, () => this.renderServers()), this.serverForms, this.openTools),
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
    this.transcriptView.render(this.state);
  }

  private renderApprovals(): void {
    const { pending, decisionError } = this.state;
    const t = this.transcript;
    const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 40;
    const hadFocus = this.approvalBox.contains(document.activeElement);
    if (pending.length === 0) {
      this.approvalPanel = null;
      this.approvalBox.replaceChildren();
      delete this.node.dataset.approving;
      if (hadFocus) {
        this.input.focus(); // decided: back to the composer
      }
    } else if (this.approvalPanel?.key !== ApprovalPanel.keyOf(pending)) {
      // new calls (the same calls after a refusal or a reload keep the choices, edits and reasons)
      this.approvalPanel = new ApprovalPanel(pending, (d, hadFocus) => this.submitDecisions(d, hadFocus));
      this.approvalBox.replaceChildren(this.approvalPanel.el);
      this.node.dataset.approving = 'true';
      if (hadFocus) {
        this.approvalPanel.focus();
      }
    }
    this.approvalPanel?.showError(decisionError);
    if (atBottom) {
      t.scrollTop = t.scrollHeight; // the panel takes room: the newest message stays in view
    }
  }

  private renderComposer(): void {
    renderComposer({ root: this.node, send: this.sendBtn, stop: this.stopBtn }, this.state);
    renderChatError(
      this.chatErrorBox,
      this.state,
      () => this.ctl.dismissChatError(),
      () => void this.ctl.retry()
    );
    const blocker = sendBlocker(this.state);
    if (!blocker) {
      this.hintShown = false;
    }
    // disconnected: always said; otherwise once Enter was pressed in vain
    const text = blocker && (this.hintShown || this.state.connection !== 'open') ? blocker : '';
    if (this.composerHint.textContent !== text) {
      this.composerHint.textContent = text;
    }
    this.composerHint.hidden = !text;
    this.input.setAttribute('aria-describedby', text ? this.hintId() : '');
  }

  private hintId(): string {
    this.composerHint.id ||= `mcpchat-hint-${Math.random().toString(36).slice(2, 9)}`;
    return this.composerHint.id;
  }
}
