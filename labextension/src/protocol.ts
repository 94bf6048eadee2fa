/**
 * TypeScript mirror of mcpchat_ext/protocol.py (the wire contract, version 1).
 * Keep field names identical to the pydantic models.
 */

export const PROTOCOL_VERSION = 1;

export type Transport = 'stdio' | 'streamable_http' | 'sse';

export interface ServerSpec {
  name: string;
  transport?: Transport;
  command?: string | null;
  args?: string[];
  env?: Record<string, string>;
  cwd?: string | null;
  url?: string | null;
  headers?: Record<string, string>;
  enabled?: boolean;
  description?: string;
}

export type ServerState = 'disconnected' | 'connecting' | 'ready' | 'error';

export interface JSONSchema {
  type?: string | string[];
  properties?: Record<string, JSONSchema>;
  required?: string[];
  enum?: unknown[];
  description?: string;
  title?: string;
  default?: unknown;
  items?: JSONSchema;
  [key: string]: unknown;
}

export interface ToolInfo {
  name: string;
  server: string;
  tool: string;
  description?: string;
  input_schema?: JSONSchema;
}

export interface ServerStatus {
  name: string;
  state: ServerState;
  error?: string | null;
  tools: ToolInfo[];
  spec?: ServerSpec | null;
  source: 'user' | 'catalog';
}

export interface ChatInfo {
  id: string;
  title: string;
  servers: string[];
  created_at: string;
  updated_at: string;
  pending_approval: boolean;
}

export interface ToolCall {
  id: string;
  name: string;
  server?: string | null;
  tool?: string | null;
  args: Record<string, unknown>;
}

export interface PendingCall extends ToolCall {
  description?: string;
  input_schema?: JSONSchema;
}

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant' | 'tool' | 'system';
  content: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string | null;
  name?: string | null;
  status?: 'success' | 'error' | null;
  metadata?: Record<string, unknown>;
}

export interface HistoryPage {
  chat: ChatInfo;
  messages: ChatMessage[];
  total: number;
  offset: number;
  pending: PendingCall[];
}

export interface Decision {
  call_id: string;
  action: 'approve' | 'edit' | 'reject';
  args?: Record<string, unknown> | null;
  reason?: string | null;
}

export interface ModelInfo {
  name: string;
  base_url?: string | null;
  demo: boolean;
  label: string;
}

export interface Settings {
  model: ModelInfo;
  protocol: number;
  tool_timeout: number;
  max_output_chars: number;
  user: string;
}

export interface CreateChat {
  title?: string | null;
  servers?: string[] | null;
}

export interface UpdateChat {
  title?: string | null;
  servers?: string[] | null;
}

export interface ImportServers {
  mcpServers: Record<string, Record<string, unknown>>;
  replace?: boolean;
}

// ---------------------------------------------------------------- client -> server

export type RpcMethod =
  | 'chats.list'
  | 'chats.create'
  | 'chats.update'
  | 'chats.delete'
  | 'chats.history'
  | 'servers.list'
  | 'servers.add'
  | 'servers.update'
  | 'servers.remove'
  | 'servers.connect'
  | 'servers.import'
  | 'settings.get';

/** Result type of each RPC method. */
export interface RpcResults {
  'chats.list': ChatInfo[];
  'chats.create': ChatInfo;
  'chats.update': ChatInfo;
  'chats.delete': { deleted: string };
  'chats.history': HistoryPage;
  'servers.list': ServerStatus[];
  'servers.add': ServerStatus;
  'servers.update': ServerStatus;
  'servers.remove': { removed: string };
  'servers.connect': ServerStatus;
  'servers.import': ServerStatus[];
  'settings.get': Settings;
}

export interface CallFrame {
  type: 'call';
  id: string;
  method: RpcMethod;
  params: Record<string, unknown>;
}
export interface SendFrame {
  type: 'send';
  chat_id: string;
  text: string;
}
export interface DecideFrame {
  type: 'decide';
  chat_id: string;
  decisions: Decision[];
}
export interface StopFrame {
  type: 'stop';
  chat_id: string;
}
export interface PingFrame {
  type: 'ping';
}
/** The widget handshake (not a protocol frame; answered by `welcome`). */
export interface HelloFrame {
  type: 'hello';
}

export type ClientFrame = CallFrame | SendFrame | DecideFrame | StopFrame | PingFrame | HelloFrame;

// ---------------------------------------------------------------- server -> client

export type ErrorCode =
  | 'bad_frame'
  | 'not_found'
  | 'bad_request'
  | 'conflict'
  | 'model_error'
  | 'mcp_error'
  | 'internal';

export interface WelcomeFrame {
  type: 'welcome';
  protocol: number;
  user: string;
  model: ModelInfo;
}
export interface PongFrame {
  type: 'pong';
}
export interface ResultFrame {
  type: 'result';
  id: string;
  result: unknown;
}
export interface ErrorFrame {
  type: 'error';
  code: ErrorCode;
  message: string;
  id?: string | null;
  chat_id?: string | null;
}
export interface TurnStartedFrame {
  type: 'turn_started';
  chat_id: string;
  user_message?: ChatMessage | null;
}
export interface TokenFrame {
  type: 'token';
  chat_id: string;
  message_id: string;
  text: string;
}
export interface AiMessageFrame {
  type: 'ai_message';
  chat_id: string;
  message: ChatMessage;
}
export interface ApprovalRequiredFrame {
  type: 'approval_required';
  chat_id: string;
  calls: PendingCall[];
}
export interface ApprovalDecidedFrame {
  type: 'approval_decided';
  chat_id: string;
  decisions: Decision[];
  auto: boolean;
  calls: ToolCall[];
}
export interface ToolStartedFrame {
  type: 'tool_started';
  chat_id: string;
  call: ToolCall;
}
export interface ToolResultFrame {
  type: 'tool_result';
  chat_id: string;
  message: ChatMessage;
  truncated: boolean;
}
export interface DoneFrame {
  type: 'done';
  chat_id: string;
  message?: ChatMessage | null;
}
export interface StoppedFrame {
  type: 'stopped';
  chat_id: string;
}
export interface ChatsChangedFrame {
  type: 'chats_changed';
  chats: ChatInfo[];
}
export interface ServersChangedFrame {
  type: 'servers_changed';
  servers: ServerStatus[];
}

export type TurnEvent =
  | TurnStartedFrame
  | TokenFrame
  | AiMessageFrame
  | ApprovalRequiredFrame
  | ApprovalDecidedFrame
  | ToolStartedFrame
  | ToolResultFrame
  | DoneFrame
  | StoppedFrame
  | ErrorFrame;

export type ServerFrame =
  | WelcomeFrame
  | PongFrame
  | ResultFrame
  | ChatsChangedFrame
  | ServersChangedFrame
  | TurnEvent;
