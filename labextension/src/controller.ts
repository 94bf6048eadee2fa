/**
 * What the chat UI does, without the DOM: applies server frames to the {@link ChatStore} and
 * runs their consequences (load everything after `welcome`, open another chat when the open one
 * went away), and performs the user's actions through the {@link ChatClient} (RPC calls and turn
 * frames), putting the answers into the store. Failures become the chat error (`flash`).
 */
import { ChatClient, RpcError } from './client';
import * as act from './model/actions';
import { remembers } from './model/approval';
import { turnRefused } from './model/branches';
import { connectionChanged } from './model/reducer';
import { ChatState, currentChat, isBusy, lastUserText } from './model/state';
import { ChatStore } from './model/store';
import type { ConnectionState } from './transport';
import { nonEmpty, type Attachment, type Decision, type ImportServers, type NewRule, type ResourceContent, type ServerLogEntry, type RpcMethod, type RpcParams, type RpcResults, type ServerFrame, type ServerSpec } from './protocol';

export interface ControllerHooks {
  /** The user opened another chat. */
  onChatSelected?(chatId: string | null): void;
  /** A chat is about to be opened (the view may hide the chat list on narrow screens). */
  beforeSelect?(): void;
  /** Chats and servers were loaded after a `welcome`. */
  onReady?(): void;
}

/** Messages loaded when a chat opens (the newest); older pages load as the user scrolls up. */
export const FIRST_PAGE = 60;
export const OLDER_PAGE = 100;

function message(err: unknown): string {
  return err instanceof RpcError || err instanceof Error ? err.message : String(err);
}

export class ChatController {
  private historySeq = 0;
  private olderSeq = 0;

  constructor(
    readonly client: ChatClient,
    readonly store: ChatStore,
    private hooks: ControllerHooks = {}
  ) {}

  get state(): ChatState {
    return this.store.state;
  }

  private update(change: (s: ChatState) => ChatState): void {
    this.store.update(change);
  }

  // ------------------------------------------------------------------ from the server

  handleFrame(frame: ServerFrame): void {
    this.store.dispatch(frame);
    if (frame.type === 'welcome') {
      void this.refreshAll();
    } else if (frame.type === 'approval_decided' && !frame.auto && remembers(frame.decisions)) {
      void this.loadRules(); // the decisions made rules (from this client or another)
    } else if (frame.type === 'branch_switched' && frame.chat_id === this.state.chatId) {
      void this.reopen(frame.chat_id); // this or another tab or widget showed another version
    } else if (frame.type === 'chats_changed') {
      const { chatId, chats } = this.state;
      if (chatId && !chats.some(c => c.id === chatId)) {
        void this.selectChat(chats[0]?.id ?? null); // the open chat was deleted elsewhere
      }
    }
  }

  connectionChanged(conn: ConnectionState, detail?: string): void {
    this.update(s => connectionChanged(s, conn, detail ?? ''));
  }

  /** Load chats and servers, then the open chat's history (or open the newest chat); and the rules. */
  async refreshAll(): Promise<void> {
    void this.loadRules();
    try {
      const epoch = this.state.chatsEpoch;
      const [chats, servers] = await Promise.all([this.client.call('chats.list', {}), this.client.call('servers.list', {})]);
      this.update(s => act.chatsListed(act.setServers(s, servers), chats, epoch)); // older than a local change: kept
      const { chatId, chats: known } = this.state;
      if (chatId && known.some(c => c.id === chatId)) {
        await this.loadHistory(chatId);
      } else if (chatId || known.length) {
        await this.selectChat(known[0]?.id ?? null); // the newest, or none when the open one is gone
      }
      this.hooks.onReady?.();
    } catch (err) {
      this.update(s => act.setGlobalError(s, `Could not load chats: ${message(err)}`));
    }
  }

  // ------------------------------------------------------------------ chats

  async selectChat(chatId: string | null): Promise<void> {
    const changed = chatId !== this.state.chatId;
    this.hooks.beforeSelect?.();
    this.update(s => act.selectChat(s, chatId));
    if (changed) {
      this.hooks.onChatSelected?.(chatId);
    }
    if (chatId) {
      await this.loadHistory(chatId);
    }
  }

  /** Load the open chat afresh: its shown branch changed (none of its loaded messages is kept). */
  private async reopen(chatId: string): Promise<void> {
    this.update(s => act.selectChat(s, chatId));
    await this.loadHistory(chatId);
  }

  private async loadHistory(chatId: string): Promise<void> {
    const seq = ++this.historySeq;
    const current = () => seq === this.historySeq && chatId === this.state.chatId;
    this.update(s => act.historyLoading(s, true));
    try {
      const page = await this.client.call('chats.history', { chat_id: chatId, limit: FIRST_PAGE });
      if (current()) {
        this.update(s => act.historyLoaded(s, page));
      }
    } catch (err) {
      if (current()) {
        this.update(s => act.setChatError(s, { code: 'load', text: `Could not load this chat: ${message(err)}` }));
      }
    } finally {
      if (seq === this.historySeq) {
        this.update(s => act.historyLoading(s, false));
      }
    }
  }

  /** Load the page of the open chat's history before the loaded messages (the user scrolled up). */
  async loadOlder(): Promise<void> {
    const { chatId, historyOffset, loadingOlder, loadingHistory } = this.state;
    if (!chatId || historyOffset <= 0 || loadingOlder || loadingHistory) {
      return;
    }
    const seq = ++this.olderSeq;
    const offset = Math.max(0, historyOffset - OLDER_PAGE);
    this.update(s => act.loadingOlder(s, true));
    try {
      const page = await this.client.call('chats.history', { chat_id: chatId, offset, limit: historyOffset - offset });
      if (seq === this.olderSeq && chatId === this.state.chatId) {
        this.update(s => act.olderLoaded(s, page));
      }
    } catch (err) {
      if (chatId === this.state.chatId) {
        this.flash(`Could not load older messages: ${message(err)}`);
      }
    } finally {
      if (seq === this.olderSeq) {
        this.update(s => act.loadingOlder(s, false));
      }
    }
  }

  /** Create a chat and open it; false when that failed. */
  async newChat(): Promise<boolean> {
    try {
      const chat = await this.client.call('chats.create', {});
      this.update(s => act.upsertChat(s, chat));
      await this.selectChat(chat.id);
      return true;
    } catch (err) {
      this.flash(`Could not create a chat: ${message(err)}`);
      return false;
    }
  }

  async renameChat(chatId: string, title: string): Promise<void> {
    this.update(s => act.renameOptimistic(s, chatId, title)); // the server's answer follows
    try {
      const chat = await this.client.call('chats.update', { chat_id: chatId, title });
      this.update(s => act.upsertChat(s, chat));
    } catch (err) {
      this.flash(`Could not rename: ${message(err)}`);
    }
  }

  async deleteChat(chatId: string): Promise<void> {
    try {
      await this.client.call('chats.delete', { chat_id: chatId });
      this.update(s => act.removeChat(s, chatId));
      if (this.state.chatId === chatId) {
        await this.selectChat(this.state.chats[0]?.id ?? null);
      }
    } catch (err) {
      this.flash(`Could not delete: ${message(err)}`);
    }
  }

  // ------------------------------------------------------------------ turns

  /** Send a message to the open chat (a new one when none is open); true once it was sent. */
  async send(text: string, attachments: Attachment[] = []): Promise<boolean> {
    if (!text || isBusy(this.state)) {
      return false;
    }
    if (!this.state.chatId) {
      await this.newChat();
    }
    const chatId = this.state.chatId;
    if (!chatId) {
      return false;
    }
    try {
      this.client.sendMessage(chatId, text, attachments);
      this.update(s => act.turnRequested(act.setChatError(s, null), chatId));
      return true;
    } catch (err) {
      this.flash(`Not sent: ${message(err)}`);
      return false;
    }
  }

  /** Answer the open chat's last message again, as a new version (after a reply a crash cut
   * short; the cut-short one stays as the other version: ui/branches.ts navigates them). */
  async retry(): Promise<boolean> {
    const chatId = this.state.chatId;
    if (!chatId || isBusy(this.state) || !lastUserText(this.state)) {
      return false;
    }
    this.update(s => act.turnRequested(act.setChatError(s, null), chatId));
    try {
      await this.client.call('chats.retry', { chat_id: chatId });
      return true;
    } catch (err) {
      this.update(s => turnRefused(s, chatId));
      this.flash(`Could not retry: ${message(err)}`);
      return false;
    }
  }

  stop(): void {
    const chatId = this.state.chatId;
    if (!chatId) {
      return;
    }
    try {
      this.client.stop(chatId);
    } catch (err) {
      this.flash(`Could not stop: ${message(err)}`);
    }
  }

  /** One RPC call for a view that shows its own errors (throws when the server refuses). */
  call<M extends RpcMethod>(method: M, params: RpcParams[M]): Promise<RpcResults[M]> {
    return this.client.call(method, params);
  }

  /** A server's logging messages (throws when the server refuses). */
  serverLog(name: string): Promise<ServerLogEntry[]> {
    return this.client.call('servers.log', { name });
  }

  /** Read a resource (a tool result's resource link) and hand its contents, or why not, back. */
  async openResource(req: { server: string; uri: string; show(result: ResourceContent[] | string): void }): Promise<void> {
    try {
      req.show(await this.client.call('resources.read', { server: req.server, uri: req.uri }));
    } catch (err) {
      req.show(`Could not open ${req.uri}: ${message(err)}`);
    }
  }

  /** Cancel one running tool call of the open chat (its card's Cancel). */
  cancelCall(callId: string): void {
    const chatId = this.state.chatId;
    if (!chatId) {
      return;
    }
    try {
      this.client.cancelCall(chatId, callId);
    } catch (err) {
      this.flash(`Could not cancel the tool call: ${message(err)}`);
    }
  }

  /** Send the decisions for the open chat's pending calls; false when they could not be sent. */
  decide(decisions: Decision[]): boolean {
    const chatId = this.state.chatId;
    const all = nonEmpty(decisions);
    if (!chatId || !all) {
      return true; // nothing to send
    }
    try {
      this.client.decide(chatId, all);
      this.update(s => act.decisionsSent(s, chatId));
      return true;
    } catch (err) {
      this.flash(`Decisions not sent: ${message(err)}`);
      return false;
    }
  }

  // ------------------------------------------------------------------ MCP servers

  /** Use a server in the open chat, or stop using it; false when that failed. */
  async toggleServer(name: string, on: boolean): Promise<boolean> {
    const chat = currentChat(this.state);
    if (!chat) {
      return true;
    }
    const servers = on ? [...new Set([...chat.servers, name])] : chat.servers.filter(s => s !== name);
    try {
      const updated = await this.client.call('chats.update', { chat_id: chat.id, servers });
      this.update(s => act.upsertChat(s, updated));
      return true;
    } catch (err) {
      this.flash(`Could not change servers: ${message(err)}`);
      return false;
    }
  }

  async connectServer(name: string): Promise<void> {
    try {
      const status = await this.client.call('servers.connect', { name });
      this.update(s => act.upsertServer(s, status));
    } catch (err) {
      this.flash(`Could not connect ${name}: ${message(err)}`);
    }
  }

  async removeServer(name: string): Promise<void> {
    try {
      await this.client.call('servers.remove', { name });
      this.update(s => act.removeServer(s, name));
    } catch (err) {
      this.flash(`Could not remove ${name}: ${message(err)}`);
    }
  }

  /** Add a server (and use it in the open chat); throws when the server refuses it. */
  async addServer(spec: ServerSpec): Promise<boolean> {
    const status = await this.client.call('servers.add', spec);
    this.update(s => act.upsertServer(s, status));
    const chat = currentChat(this.state);
    return chat && !chat.servers.includes(status.name) ? this.toggleServer(status.name, true) : true;
  }

  /** Import a Claude Desktop config; throws when the server refuses it. */
  async importServers(doc: ImportServers): Promise<void> {
    const statuses = await this.client.call('servers.import', doc);
    this.update(s => statuses.reduce(act.upsertServer, s));
  }

  // ------------------------------------------------------------------ approval rules

  /** Ask the server for the rules (admin and user); a failure is shown under the chat. */
  async loadRules(): Promise<void> {
    try {
      const rules = await this.client.call('rules.list', {});
      this.update(s => act.rulesListed(s, rules));
    } catch (err) {
      this.flash(`Could not load the approval rules: ${message(err)}`);
    }
  }

  /** Add a rule of the user's (e.g. allow a server's read-only tools); the list is asked again. */
  async addRule(rule: NewRule): Promise<void> {
    try {
      await this.client.call('rules.add', rule);
    } catch (err) {
      this.flash(`Could not add the rule: ${message(err)}`);
    }
    await this.loadRules();
  }

  /** Revoke one of the user's rules; the list is asked again either way. */
  async removeRule(ruleId: string): Promise<void> {
    try {
      await this.client.call('rules.remove', { id: ruleId });
      this.update(s => act.ruleRemoved(s, ruleId));
    } catch (err) {
      this.flash(`Could not revoke the rule: ${message(err)}`);
    }
    await this.loadRules();
  }

  // ------------------------------------------------------------------ errors

  /** Show an error of the UI's own under the chat. */
  flash(text: string): void {
    this.update(s => act.setChatError(s, { code: 'ui', text }));
  }

  dismissChatError(): void {
    this.update(s => act.setChatError(s, null));
  }

  dismissGlobalError(): void {
    this.update(s => act.setGlobalError(s, ''));
  }
}
