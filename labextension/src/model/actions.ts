/**
 * The UI's own changes to the chat state (answers to its RPC calls, opening a chat, errors of
 * its actions). Pure functions like ./reducer.ts: a new state, the input untouched.
 */
import type { ApprovalRule, ChatInfo, HistoryPage, ServerStatus } from '../protocol';
import { turnError, withStoppedNote } from './reducer';
import { shownRequests } from './serverRequests';
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

/**
 * The newest history page of the open chat; messages that streamed in while it loaded are kept
 * after it, and older messages loaded before (the user scrolled up) are kept before it.
 */
export function historyLoaded(state: ChatState, page: HistoryPage): ChatState {
  if (page.chat.id !== state.chatId) {
    return state;
  }
  const known = new Set(page.messages.map(m => m.id));
  const first = page.messages.length ? state.messages.findIndex(m => m.id === page.messages[0].id) : -1;
  const older = first > 0 && page.offset >= first ? state.messages.slice(0, first) : [];
  const live = state.messages.filter((m, i) => !known.has(m.id) && (first < 0 || i > first));
  const messages = [...older, ...page.messages, ...live];
  // how the last turn ended, as the server recorded it (a reply streaming in again is newer)
  const outcome = live.length === 0 && !state.running.has(page.chat.id) ? page.outcome ?? null : null;
  return upsertChat(
    {
      ...state,
      messages,
      historyOffset: page.offset - older.length,
      pending: page.pending,
      interrupted: outcome?.kind === 'interrupted' || (!page.outcome && page.interrupted && live.length === 0 && !state.running.has(page.chat.id)),
      notes: outcome?.kind === 'stopped' ? withStoppedNote(state.notes, messages.length) : state.notes,
      chatError: outcome?.kind === 'failed' ? turnError(outcome.code ?? 'internal', outcome.message) : state.chatError,
      callStatus: withEntries(state.callStatus, page.pending.map(c => [c.id, AWAITING])),
      serverRequests: shownRequests(state.serverRequests, page.server_requests ?? []),
      // the whole chat's totals, through the page's newest message (replies after it add to them)
      usage: page.usage ? { usage: page.usage, through: page.messages[page.messages.length - 1]?.id ?? null } : null
    },
    page.chat
  );
}

export function loadingOlder(state: ChatState, loading: boolean): ChatState {
  return state.loadingOlder === loading ? state : { ...state, loadingOlder: loading };
}

/**
 * An older page of the open chat's history (`page.offset` .. the loaded messages): put before the
 * loaded messages; notes move with the messages they follow.
 */
export function olderLoaded(state: ChatState, page: HistoryPage): ChatState {
  if (page.chat.id !== state.chatId || page.offset >= state.historyOffset) {
    return state;
  }
  const loaded = new Set(state.messages.map(m => m.id));
  const older = page.messages.slice(0, state.historyOffset - page.offset).filter(m => !loaded.has(m.id));
  if (older.length === 0) {
    return { ...state, historyOffset: page.offset };
  }
  return {
    ...state,
    messages: [...older, ...state.messages],
    notes: state.notes.map(n => ({ ...n, after: n.after + older.length })),
    historyOffset: page.offset
  };
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
