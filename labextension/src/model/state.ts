/**
 * The state of the chat UI, as plain immutable data (no DOM): what the server told us (chats,
 * servers, the open chat's messages, streaming text, pending tool calls) and the connection.
 *
 * Every change makes a new state and keeps the parts it does not touch (same object), so that a
 * view re-renders exactly the parts whose identity changed. ./reducer.ts applies server frames,
 * ./actions.ts the UI's own changes; neither mutates its input.
 */
import type { ApprovalRule, ChatInfo, ChatMessage, ModelInfo, PendingCall, ServerStatus } from '../protocol';
import type { ConnectionState } from '../transport';
import type { ServerRequestCard } from './serverRequests';
import type { ServerUsage } from './usage';

/** What the UI knows about a tool call besides the messages. */
export interface CallStatus {
  text: string;
  kind: 'pending' | 'approved' | 'rejected' | 'running' | 'done' | 'error' | 'cancelled';
  /** The approval rule that decided it (server text, e.g. "your rule: always allow demo:add"). */
  rule?: string | null;
  /** The running call's last progress report (its MCP server's words). */
  progress?: { progress: number; total: number | null; message: string | null };
}

/** A line in the transcript that is not a message (e.g. "Stopped."). */
export interface Note {
  /** Number of messages it follows. */
  after: number;
  text: string;
  level: 'info' | 'error';
}

/** The error shown under the open chat (a failed turn, or an action of the UI that failed). */
export interface ChatError {
  code: string;
  text: string;
}

/** The server refused the decisions (e.g. edited arguments that do not fit the tool's schema). */
export interface DecisionError {
  code: string;
  text: string;
  /** The pending calls the message names (empty: it is about the decisions as a whole). */
  callIds: readonly string[];
}

export interface ChatState {
  /** `open` only once the server said `welcome` on the current connection. */
  readonly connection: ConnectionState;
  readonly connectionDetail: string;
  readonly welcomed: boolean;
  readonly model: ModelInfo | null;
  /** An error not tied to a chat (banner). */
  readonly globalError: string;

  readonly chats: readonly ChatInfo[];
  /** Bumped on every change of `chats`: a list answer older than a local change is not applied. */
  readonly chatsEpoch: number;
  readonly servers: readonly ServerStatus[];
  /** Chats with a turn in progress (any chat, not only the open one). */
  readonly running: ReadonlySet<string>;
  /** The user's approval rules (the administrator's first, read-only), as `rules.list` gave them. */
  readonly rules: readonly ApprovalRule[];

  // ---- the open chat
  readonly chatId: string | null;
  readonly messages: readonly ChatMessage[];
  readonly notes: readonly Note[];
  /** Tool calls waiting for the user's decisions. */
  readonly pending: readonly PendingCall[];
  readonly callStatus: ReadonlyMap<string, CallStatus>;
  /** Tool call ids whose result was truncated. */
  readonly truncated: ReadonlySet<string>;
  /** The assistant message whose tokens are streaming in. */
  readonly streamingId: string | null;
  readonly chatError: ChatError | null;
  /** Why the server refused the last decisions; the cards stay, with what the user chose. */
  readonly decisionError: DecisionError | null;
  /** The MCP servers' elicitation and sampling requests of this chat (./serverRequests.ts). */
  readonly serverRequests: readonly ServerRequestCard[];
  /** The last reply was cut short by a server crash (the chat ends with the user's message). */
  readonly interrupted: boolean;
  readonly loadingHistory: boolean;
  /** Index of `messages[0]` in the chat's whole history: that many older messages are not loaded. */
  readonly historyOffset: number;
  /** An older page of the history is being loaded (the user scrolled up). */
  readonly loadingOlder: boolean;
  /** The chat's usage totals as the server counted them when its history loaded (model/usage.ts). */
  readonly usage: ServerUsage | null;
}

export function initialState(chatId: string | null = null, connection: ConnectionState = 'connecting'): ChatState {
  return {
    connection: connection === 'open' ? 'connecting' : connection,
    connectionDetail: '',
    welcomed: false,
    model: null,
    globalError: '',
    chats: [],
    chatsEpoch: 0,
    servers: [],
    running: new Set(),
    rules: [],
    ...openedChat(chatId),
    loadingHistory: false
  };
}

/** The state of a chat just opened (or of none): empty until its history loads. */
export function openedChat(chatId: string | null): Pick<
  ChatState,
  | 'chatId'
  | 'messages'
  | 'notes'
  | 'pending'
  | 'callStatus'
  | 'truncated'
  | 'streamingId'
  | 'chatError'
  | 'decisionError'
  | 'serverRequests'
  | 'interrupted'
  | 'historyOffset'
  | 'loadingOlder'
  | 'usage'
> {
  return {
    chatId,
    messages: [],
    notes: [],
    pending: [],
    callStatus: new Map(),
    truncated: new Set(),
    streamingId: null,
    chatError: null,
    decisionError: null,
    serverRequests: [],
    interrupted: false,
    historyOffset: 0,
    loadingOlder: false,
    usage: null
  };
}

export function currentChat(s: ChatState): ChatInfo | undefined {
  return s.chats.find(c => c.id === s.chatId);
}

/** A turn of the open chat is running. */
export function isRunning(s: ChatState): boolean {
  return s.chatId !== null && s.running.has(s.chatId);
}

/** The open chat cannot take a message: a turn runs or decisions are due. */
export function isBusy(s: ChatState): boolean {
  return isRunning(s) || (s.chatId !== null && s.pending.length > 0);
}

// ---------------------------------------------------------------- immutable helpers

export function withItem<T>(set: ReadonlySet<T>, item: T, present: boolean): ReadonlySet<T> {
  if (set.has(item) === present) {
    return set;
  }
  const next = new Set(set);
  if (present) {
    next.add(item);
  } else {
    next.delete(item);
  }
  return next;
}

export function withEntries<K, V>(map: ReadonlyMap<K, V>, entries: Iterable<[K, V]>): ReadonlyMap<K, V> {
  const next = new Map(map);
  for (const [k, v] of entries) {
    next.set(k, v);
  }
  return next;
}

/** `items` with `item` replacing the one with the same key, or added (at the end, or `atStart`). */
export function upsertBy<T>(items: readonly T[], item: T, key: (x: T) => string, atStart = false): T[] {
  const k = key(item);
  const i = items.findIndex(x => key(x) === k);
  if (i >= 0) {
    return items.map((x, j) => (j === i ? item : x));
  }
  return atStart ? [item, ...items] : [...items, item];
}

export function upsertMessage(messages: readonly ChatMessage[], msg: ChatMessage): ChatMessage[] {
  return upsertBy(messages, msg, m => m.id);
}

/** The text of the open chat's last user message (what Retry sends again). */
export function lastUserText(s: ChatState): string | null {
  for (let i = s.messages.length - 1; i >= 0; i--) {
    if (s.messages[i].role === 'user') {
      return s.messages[i].content || null;
    }
  }
  return null;
}

/** The status a pending call shows. */
export const AWAITING: CallStatus = { kind: 'pending', text: 'awaiting your approval' };
