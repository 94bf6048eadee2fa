/** Complete wire records for the tests (the generated types require every field the server sends). */
import type { ChatInfo, ChatMessage, PendingCall, ServerStatus, ToolCall } from '../src/protocol';
import { ChatState, initialState } from '../src/model/state';

export function message(id: string, role: ChatMessage['role'], content = '', extra: Partial<ChatMessage> = {}): ChatMessage {
  return { id, role, content, tool_calls: [], tool_call_id: null, name: null, status: null, metadata: {}, usage: null, ...extra };
}

export function call(id: string, args: Record<string, unknown> = { a: 2, b: 3 }): ToolCall {
  return { id, name: 'demo_add', server: 'demo', tool: 'add', args, original_args: null };
}

export function pending(id: string): PendingCall {
  return { ...call(id), description: 'Add two numbers', input_schema: { type: 'object' }, title: null, annotations: null };
}

export function chat(id: string, title = id, servers: string[] = []): ChatInfo {
  const at = '2026-12-01T00:00:00Z';
  return { id, title, servers, created_at: at, updated_at: at, pending_approval: false, model: null, model_note: null };
}

export function server(name: string, state: ServerStatus['state'] = 'ready'): ServerStatus {
  return { name, state, error: null, tools: [], spec: null, source: 'user', instructions: null, notes: [], roots: [], offerings: 0 };
}

/** A welcomed state with chat `c1` open (and `c2` in the list). */
export function openChat(extra: Partial<ChatState> = {}): ChatState {
  return {
    ...initialState('c1'),
    connection: 'open',
    welcomed: true,
    chats: [chat('c1'), chat('c2')],
    ...extra
  };
}

/** Freeze a value and everything in it (sets and maps are frozen shallowly, as values). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) {
      deepFreeze(v);
    }
  }
  return value;
}
