/**
 * `reduce(state, frame)`: the chat state after a server frame. Pure: no DOM, no I/O, the input
 * state is never mutated. What a frame asks the UI to *do* (load chats after `welcome`, open
 * another chat when the open one was deleted) is the controller's part (ui/app.ts).
 */
import type { ChatMessage, DecidedDecision, ErrorFrame, PendingCall, ServerFrame, ToolCall, TurnEvent } from '../protocol';
import type { ConnectionState } from '../transport';
import { dropFrom } from './branches';
import { endOpen, serverRequestEvent } from './serverRequests';
import { AWAITING, CallStatus, ChatState, DecisionError, upsertMessage, withEntries, withItem } from './state';

export const STOPPED_TEXT = 'Stopped.';

export function reduce(state: ChatState, frame: ServerFrame): ChatState {
  switch (frame.type) {
    case 'welcome':
      return { ...state, model: frame.model, welcomed: true, connection: 'open', globalError: '' };
    case 'chats_changed':
      return { ...state, chats: frame.chats, chatsEpoch: state.chatsEpoch + 1 };
    case 'servers_changed':
      return { ...state, servers: frame.servers };
    case 'result':
    case 'pong':
    case 'notebook_changed': // (the JupyterLab plugin's context/liveNotebooks.ts follows them)
    case 'notebook_request':
    case 'resource_updated': // (ui/contentEvents.ts marks the resource's chips)
    case 'branch_switched': // (the controller loads the history of the version now shown)
      return state;
    case 'error':
      if (frame.id) {
        return state; // answered a call: the caller shows it
      }
      return frame.chat_id ? turnEvent(state, frame) : { ...state, globalError: frame.message };
    case 'turn_started':
    case 'token':
    case 'ai_message':
    case 'approval_required':
    case 'approval_decided':
    case 'tool_started':
    case 'tool_progress':
    case 'tool_result':
    case 'elicitation_request':
    case 'sampling_request':
    case 'server_request_status':
      return turnEvent(state, frame);
    case 'done':
    case 'stopped':
      return endOpen(turnEvent(state, frame));
    default:
      return unknownFrame(frame, state);
  }
}

/** A frame type this UI does not know (a newer server): ignored. Compiles only while all are handled. */
function unknownFrame(frame: never, state: ChatState): ChatState {
  void frame;
  return state;
}

/** The state after the transport's connection changed (`welcome` makes it `open`). */
export function connectionChanged(state: ChatState, conn: ConnectionState, detail = ''): ChatState {
  const welcomed = conn === 'open' && state.welcomed;
  return {
    ...state,
    welcomed,
    // the chat server is usable once it said welcome, not when the socket opened
    connection: conn === 'open' && !welcomed ? 'connecting' : conn,
    connectionDetail: detail
  };
}

function runningAfter(ev: TurnEvent, running: ReadonlySet<string>, chatId: string): ReadonlySet<string> {
  switch (ev.type) {
    case 'turn_started':
    case 'token':
    case 'tool_started':
      return withItem(running, chatId, true);
    case 'done':
    case 'stopped':
    case 'approval_required':
    case 'error':
      return withItem(running, chatId, false);
    default:
      return running;
  }
}

function turnEvent(prev: ChatState, ev: TurnEvent): ChatState {
  const chatId = ev.chat_id;
  if (!chatId) {
    return prev;
  }
  const running = runningAfter(ev, prev.running, chatId);
  const state = running === prev.running ? prev : { ...prev, running };
  if (chatId !== state.chatId) {
    return state; // another chat: only its running mark changes
  }
  switch (ev.type) {
    case 'turn_started':
      return {
        ...state,
        chatError: null,
        decisionError: null,
        interrupted: false,
        // a retry or an edit: its message replaces the old version and everything after it
        messages: ev.user_message ? upsertMessage(dropFrom(state.messages, ev.replaces), ev.user_message) : state.messages
      };
    case 'token':
      return { ...state, messages: appendToken(state.messages, ev.message_id, ev.text), streamingId: ev.message_id };
    case 'ai_message':
      return { ...state, messages: upsertMessage(state.messages, ev.message), streamingId: null };
    case 'approval_required':
      return {
        ...state,
        pending: ev.calls,
        decisionError: null,
        callStatus: withEntries(state.callStatus, ev.calls.map(c => [c.id, AWAITING]))
      };
    case 'approval_decided': {
      const decided = new Set(ev.decisions.map(d => d.call_id));
      return {
        ...state,
        decisionError: null,
        callStatus: withEntries(state.callStatus, ev.decisions.map(d => [d.call_id, decidedStatus(d, ev.auto)])),
        pending: state.pending.filter(p => !decided.has(p.id))
      };
    }
    case 'tool_started':
      return {
        ...state,
        callStatus: withEntries(state.callStatus, [[ev.call.id, runningStatus(state.callStatus.get(ev.call.id))]]),
        messages: withCallArgs(state.messages, ev.call)
      };
    case 'tool_progress': {
      const live = state.callStatus.get(ev.call_id);
      if (live?.kind !== 'running') {
        return state; // (a late report of a call that ended)
      }
      const progress = { progress: ev.progress, total: ev.total ?? null, message: ev.message ?? null };
      return { ...state, callStatus: withEntries(state.callStatus, [[ev.call_id, { ...live, progress }]]) };
    }
    case 'tool_result': {
      const callId = ev.message.tool_call_id;
      return {
        ...state,
        truncated: ev.truncated && callId ? withItem(state.truncated, callId, true) : state.truncated,
        messages: upsertMessage(state.messages, ev.message)
      };
    }
    case 'done':
      return {
        ...state,
        messages: ev.message ? upsertMessage(state.messages, ev.message) : state.messages,
        streamingId: null,
        pending: []
      };
    case 'stopped':
      return {
        ...state,
        streamingId: null,
        pending: [],
        callStatus: cancelUnfinished(state),
        notes: withStoppedNote(state.notes, state.messages.length)
      };
    case 'elicitation_request':
    case 'sampling_request':
    case 'server_request_status':
      return serverRequestEvent(state, ev);
    case 'error':
      if (state.pending.length > 0) {
        // the decisions were refused (a turn does not run while calls wait): the cards stay
        return { ...state, streamingId: null, decisionError: decisionError(ev, state.pending) };
      }
      return { ...state, streamingId: null, chatError: turnError(ev.code, ev.message) };
  }
}

/** The notes with "Stopped." after message `after` (once: a reload of a stopped chat adds it too). */
export function withStoppedNote(notes: ChatState['notes'], after: number): ChatState['notes'] {
  return notes.some(n => n.after === after && n.text === STOPPED_TEXT) ? notes : [...notes, { after, text: STOPPED_TEXT, level: 'info' }];
}

/** The status of a call that started running (the rule that allowed it is kept). */
function runningStatus(prev: CallStatus | undefined): CallStatus {
  return prev?.rule ? { kind: 'running', text: 'running…', rule: prev.rule } : { kind: 'running', text: 'running…' };
}

/** After Stop: the calls of the turn that were approved or running and have no result were cancelled. */
function cancelUnfinished(state: ChatState): ChatState['callStatus'] {
  const answered = new Set(state.messages.filter(m => m.role === 'tool' && m.tool_call_id).map(m => m.tool_call_id));
  const cut: [string, CallStatus][] = [];
  for (const [id, status] of state.callStatus) {
    if ((status.kind === 'running' || status.kind === 'approved') && !answered.has(id)) {
      cut.push([id, status.rule ? { kind: 'cancelled', text: 'stopped', rule: status.rule } : { kind: 'cancelled', text: 'stopped' }]);
    }
  }
  return cut.length ? withEntries(state.callStatus, cut) : state.callStatus;
}

/** A refusal of the decisions, tied to the pending calls its message names (by id or server:tool). */
export function decisionError(ev: ErrorFrame, pending: readonly PendingCall[]): DecisionError {
  const named = pending.filter(
    c => ev.message.includes(c.id) || (c.server && c.tool ? ev.message.includes(`${c.server}:${c.tool}`) : ev.message.includes(c.name))
  );
  return { code: ev.code, text: ev.message, callIds: named.map(c => c.id) };
}

/** The messages with `text` added to message `id` (a new assistant message on its first token). */
export function appendToken(messages: readonly ChatMessage[], id: string, text: string): ChatMessage[] {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].id === id) {
      const next = messages.slice();
      next[i] = { ...messages[i], content: messages[i].content + text };
      return next;
    }
  }
  const fresh: ChatMessage = {
    id,
    role: 'assistant',
    content: text,
    tool_calls: [],
    tool_call_id: null,
    name: null,
    status: null,
    metadata: {},
    usage: null
  };
  return [...messages, fresh];
}

/**
 * The messages with the arguments a call runs with (an edit decision changes them); the model's
 * own arguments are kept as `original_args` when they differ.
 */
function withCallArgs(messages: readonly ChatMessage[], call: ToolCall): readonly ChatMessage[] {
  let changed = false;
  const next = messages.map(m => {
    if (!m.tool_calls.some(c => c.id === call.id)) {
      return m;
    }
    changed = true;
    const ran = (c: ToolCall): ToolCall => {
      const edited = stableJson(c.args) !== stableJson(call.args);
      const original_args = call.original_args ?? c.original_args ?? (edited ? c.args : null);
      return { ...c, args: call.args, original_args };
    };
    return { ...m, tool_calls: m.tool_calls.map(c => (c.id === call.id ? ran(c) : c)) };
  });
  return changed ? next : messages;
}

/** JSON with object keys sorted (to compare arguments whatever their order). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v
  );
}

export function decidedStatus(d: DecidedDecision, auto: boolean): CallStatus {
  const rule = auto && d.rule ? { rule: d.rule } : {};
  if (d.action === 'reject') {
    if (auto) {
      return { kind: 'rejected', text: 'blocked', ...rule };
    }
    const remembered = d.remember ? ' · blocked from now on' : '';
    return { kind: 'rejected', text: `rejected${d.reason ? `: ${d.reason}` : ''}${remembered}` };
  }
  if (auto) {
    return { kind: 'approved', text: 'auto-approved', ...rule };
  }
  const text = d.action === 'edit' ? 'approved with edits' : 'approved';
  const remembered =
    d.remember === 'chat' ? ' · allowed in this chat from now on' : d.remember === 'always' ? ' · always allowed from now on' : '';
  return { kind: 'approved', text: text + remembered };
}

/** The chat error a failed turn shows (live, or after a reload: the server recorded it). */
export function turnError(code: string, message: string): { code: string; text: string } {
  const prefix =
    code === 'model_error' ? 'The model failed: ' : code === 'mcp_error' ? 'An MCP server failed: ' : code === 'conflict' ? '' : 'Error: ';
  return { code, text: prefix + message };
}
