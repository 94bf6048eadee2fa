/**
 * The UI's own changes to the chat state (answers to its RPC calls, opening a chat, errors of
 * its actions). Pure functions like ./reducer.ts: a new state, the input untouched.
 */
import type { ApprovalRule, ChatInfo, HistoryPage, ServerStatus } from '../protocol';
import { AWAITING, ChatError, ChatState, openedChat, upsertBy, withEntries, withItem } from './state';

/** The answer of `chats.list`, asked when `chatsEpoch` was `epoch`: ignored when older than a local change. */
export function chatsListed(state: ChatState, chats: ChatInfo[], epoch: number): ChatState {
  return epoch === state.chatsEpoch ? { ...state, chats, chatsEpoch: state.chatsEpoch + 1 } : state;
}

/** A chat created, renamed or re-configured here (the server's answer). */
export function upsertChat(state: ChatState, chat: ChatInfo): ChatState {
  return { ...state, chats: upsertBy(state.chats, chat, c => c.id, true), chatsEpoch: state.chatsEpoch + 1 };
}

export function removeChat(state: ChatState, chatId: string): ChatState {
  return { ...state, chats: state.chats.filter(c => c.id !== chatId), chatsEpoch: state.chatsEpoch + 1 };
}

/** The title shown until the server answers the rename (the answer is applied with `upsertChat`). */
export function renameOptimistic(state: ChatState, chatId: string, title: string): ChatState {
  return { ...state, chats: state.chats.map(c => (c.id === chatId ? { ...c, title } : c)) };
}

export function setServers(state: ChatState, servers: ServerStatus[]): ChatState {
  return { ...state, servers };
}

export function upsertServer(state: ChatState, status: ServerStatus): ChatState {
  return { ...state, servers: upsertBy(state.servers, status, s => s.name) };
}

export function removeServer(state: ChatState, name: string): ChatState {
  return { ...state, servers: state.servers.filter(s => s.name !== name) };
}

/** Open another chat (or none): its messages are loaded next (`historyLoading`, `historyLoaded`). */
export function selectChat(state: ChatState, chatId: string | null): ChatState {
  return { ...state, ...openedChat(chatId) };
}

export function historyLoading(state: ChatState, loading: boolean): ChatState {
  return state.loadingHistory === loading ? state : { ...state, loadingHistory: loading };
}

/** A history page of the open chat; messages that streamed in while it loaded are kept after it. */
export function historyLoaded(state: ChatState, page: HistoryPage): ChatState {
  if (page.chat.id !== state.chatId) {
    return state;
  }
  const known = new Set(page.messages.map(m => m.id));
  const live = state.messages.filter(m => !known.has(m.id));
  return upsertChat(
    {
      ...state,
      messages: [...page.messages, ...live],
      pending: page.pending,
      // a reply that is streaming in again is not the one the crash cut short
      interrupted: page.interrupted && live.length === 0 && !state.running.has(page.chat.id),
      callStatus: withEntries(state.callStatus, page.pending.map(c => [c.id, AWAITING]))
    },
    page.chat
  );
}

/** A message or decisions were sent for `chatId`: its turn runs (until the server says otherwise). */
export function turnRequested(state: ChatState, chatId: string): ChatState {
  const running = withItem(state.running, chatId, true);
  return running === state.running ? state : { ...state, running };
}

/** Decisions were sent for `chatId`: the last refusal is no longer current. */
export function decisionsSent(state: ChatState, chatId: string): ChatState {
  const next = turnRequested(state, chatId);
  return next.decisionError ? { ...next, decisionError: null } : next;
}

/** The answer of `rules.list`. */
export function rulesListed(state: ChatState, rules: ApprovalRule[]): ChatState {
  return { ...state, rules };
}

/** A rule revoked here (the list is asked again afterwards). */
export function ruleRemoved(state: ChatState, ruleId: string): ChatState {
  return { ...state, rules: state.rules.filter(r => r.id !== ruleId) };
}

export function setChatError(state: ChatState, chatError: ChatError | null): ChatState {
  return { ...state, chatError };
}

export function setGlobalError(state: ChatState, globalError: string): ChatState {
  return { ...state, globalError };
}
