/**
 * `reduce(state, frame)`: the chat state after a server frame. Pure: no DOM, no I/O, the input
 * state is never mutated. What a frame asks the UI to *do* (load chats after `welcome`, open
 * another chat when the open one was deleted) is the controller's part (ui/app.ts).
 */
import type { ChatMessage, DecidedDecision, ErrorFrame, PendingCall, ServerFrame, ToolCall, TurnEvent } from '../protocol';
import type { ConnectionState } from '../transport';
import { AWAITING, CallStatus, ChatState, DecisionError, upsertMessage, withEntries, withItem } from './state';

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
    case 'tool_result':
    case 'done':
    case 'stopped':
      return turnEvent(state, frame);
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
        messages: ev.user_message ? upsertMessage(state.messages, ev.user_message) : state.messages
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
        notes: [...state.notes, { after: state.messages.length, text: 'Stopped.', level: 'info' }]
      };
    case 'error':
      if (state.pending.length > 0) {
        // the decisions were refused (a turn does not run while calls wait): the cards stay
        return { ...state, streamingId: null, decisionError: decisionError(ev, state.pending) };
      }
      return { ...state, streamingId: null, chatError: turnError(ev) };
  }
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
      cut.push([id, status.rule ? { kind: 'cancelled', text: 'cancelled', rule: status.rule } : { kind: 'cancelled', text: 'cancelled' }]);
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
    metadata: {}
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

function turnError(ev: ErrorFrame): { code: string; text: string } {
  const prefix =
    ev.code === 'model_error'
      ? 'The model failed: '
      : ev.code === 'mcp_error'
        ? 'An MCP server failed: '
        : ev.code === 'conflict'
          ? ''
          : 'Error: ';
  return { code: ev.code, text: prefix + ev.message };
}
