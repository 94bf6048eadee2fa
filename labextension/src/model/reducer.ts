/**
 * `reduce(state, frame)`: the chat state after a server frame. Pure: no DOM, no I/O, the input
 * state is never mutated. What a frame asks the UI to *do* (load chats after `welcome`, open
 * another chat when the open one was deleted) is the controller's part (ui/app.ts).
 */
import type { ChatMessage, DecidedDecision, ErrorFrame, ServerFrame, ToolCall, TurnEvent } from '../protocol';
import type { ConnectionState } from '../transport';
import { AWAITING, CallStatus, ChatState, upsertMessage, withEntries, withItem } from './state';

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
        callStatus: withEntries(state.callStatus, ev.calls.map(c => [c.id, AWAITING]))
      };
    case 'approval_decided': {
      const decided = new Set(ev.decisions.map(d => d.call_id));
      return {
        ...state,
        callStatus: withEntries(state.callStatus, ev.decisions.map(d => [d.call_id, decidedStatus(d, ev.auto)])),
        pending: state.pending.filter(p => !decided.has(p.id))
      };
    }
    case 'tool_started':
      return {
        ...state,
        callStatus: withEntries(state.callStatus, [[ev.call.id, { kind: 'running', text: 'running…' }]]),
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
        notes: [...state.notes, { after: state.messages.length, text: 'Stopped.', level: 'info' }]
      };
    case 'error':
      return { ...state, streamingId: null, chatError: turnError(ev) };
  }
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

/** The messages with the arguments a call runs with (an edit decision changes them). */
function withCallArgs(messages: readonly ChatMessage[], call: ToolCall): readonly ChatMessage[] {
  let changed = false;
  const next = messages.map(m => {
    if (!m.tool_calls.some(c => c.id === call.id)) {
      return m;
    }
    changed = true;
    return { ...m, tool_calls: m.tool_calls.map(c => (c.id === call.id ? { ...c, args: call.args } : c)) };
  });
  return changed ? next : messages;
}

function decidedStatus(d: DecidedDecision, auto: boolean): CallStatus {
  if (d.action === 'reject') {
    return { kind: 'rejected', text: `rejected${d.reason ? `: ${d.reason}` : ''}` };
  }
  return { kind: 'approved', text: auto ? 'auto-approved' : d.action === 'edit' ? 'approved with edits' : 'approved' };
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
