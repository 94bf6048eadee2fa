/**
 * The wire contract (the package mcpchat_ext/protocol/) for the TypeScript side.
 *
 * Every wire type comes from ./generated/protocol, which scripts/gen-protocol.mjs generates at
 * build time from schema/protocol.schema.json, the JSON schema that the protocol package prints
 * (`python -m mcpchat_ext.protocol`). This module gives the generated types their friendly
 * names and adds what the schema cannot say: the RPC method -> params / result maps, and
 * JSONSchema (the shape of a tool's `input_schema`, which the wire carries as any object).
 *
 * A model that the server both accepts and sends comes in two variants: `...Input` (fields with
 * a default may be left out) and `...Output` (the server always sends every field).
 */
import type {
  ApprovalRule,
  Branches,
  NotebookAnswer,
  CallFrame,
  ChatExport,
  ChatInfo,
  CreateChat,
  DecisionInput,
  DecisionOutput,
  EditParams,
  ErrorFrame,
  HistoryPage,
  NewRule,
  ImportServers,
  RetryParams,
  PromptInfo,
  PromptMessage,
  ResourceContent,
  ResourceList,
  ServerFrame,
  ServerLogEntry,
  ServerSpecInput,
  ServerSpecOutput,
  ServerStatus,
  Settings,
  SwitchParams,
  UpdateChat
} from './generated/protocol';

export type {
  AiMessageFrame,
  ChatExport,
  ChatUsage,
  Usage,
  Attachment,
  ApprovalDecidedFrame,
  ApprovalRule,
  ApprovalRequiredFrame,
  BranchPoint,
  Branches,
  CallFrame,
  ChatInfo,
  ChatMessage,
  ChatsChangedFrame,
  ClientFrame,
  CreateChat,
  DecideFrame,
  DoneFrame,
  ElicitationAnswerFrame,
  ElicitationRequestFrame,
  ErrorFrame,
  HistoryPage,
  ImportServers,
  ModelInfo,
  NewRule,
  PendingCall,
  PingFrame,
  PongFrame,
  PromptInfo,
  PromptMessage,
  ResourceContent,
  ResourceInfo,
  ResourceList,
  ResultFrame,
  SamplingAnswerFrame,
  SamplingRequestFrame,
  SamplingText,
  SendFrame,
  ServerFrame,
  ServerRequestStatusFrame,
  ServerLogEntry,
  ServersChangedFrame,
  ServerStatus,
  Settings,
  StopFrame,
  StoppedFrame,
  TokenFrame,
  ToolAnnotations,
  ToolCall,
  ToolInfo,
  ToolMedia,
  ToolResultFrame,
  ToolStartedFrame,
  TurnStartedFrame,
  UpdateChat,
  WelcomeFrame
} from './generated/protocol';
export { PROTOCOL_VERSION } from './generated/protocol';

/** A decision the UI sends (`decide` frame). */
export type Decision = DecisionInput;
/** A decision as the server reports it (`approval_decided` frame). */
export type DecidedDecision = DecisionOutput;
/** An MCP server configuration the UI sends (`servers.add`). */
export type ServerSpec = ServerSpecInput;
/** An MCP server configuration as the server reports it (`ServerStatus.spec`, secrets masked). */
export type ReportedServerSpec = ServerSpecOutput;

export type Transport = ServerSpecOutput['transport'];
export type ServerState = ServerStatus['state'];
export type RpcMethod = CallFrame['method'];
export type ExportFormat = ChatExport['format'];
export type ErrorCode = ErrorFrame['code'];

/** The frames of a chat turn: every server frame that names a chat, but a branch switch and a
 * resource's update. */
export type TurnEvent = Exclude<Extract<ServerFrame, { chat_id: unknown }>, { type: 'branch_switched' | 'resource_updated' }>;

/** A list with at least one element (`min_length=1` in the protocol package). */
export type NonEmpty<T> = [T, ...T[]];

export function nonEmpty<T>(items: readonly T[]): NonEmpty<T> | null {
  return items.length > 0 ? [items[0], ...items.slice(1)] : null;
}

type NoParams = Record<string, never>;

/** Params of each RPC method (the comments on `RpcMethod` in the protocol package). */
export interface RpcParams {
  'chats.list': NoParams;
  'chats.create': CreateChat;
  'chats.update': { chat_id: string } & UpdateChat;
  'chats.delete': { chat_id: string };
  'chats.history': { chat_id: string; offset?: number; limit?: number };
  'chats.export': { chat_id: string; format: ExportFormat };
  'servers.list': NoParams;
  'servers.add': ServerSpec;
  'servers.update': { name: string; spec: ServerSpec };
  'servers.remove': { name: string };
  'servers.connect': { name: string };
  'servers.import': ImportServers;
  'settings.get': NoParams;
  'rules.list': NoParams;
  'rules.add': NewRule;
  'rules.remove': { id: string };
  'chats.retry': RetryParams;
  'chats.edit_message': EditParams;
  'chats.branches': { chat_id: string };
  'chats.switch_branch': SwitchParams;
  'notebooks.answer': NotebookAnswer;
  'servers.roots': { name: string; roots: string[] };
  'servers.log': { name: string };
  'resources.list': { server: string };
  'prompts.list': { server: string };
  'prompts.get': { server: string; name: string; arguments?: Record<string, string> };
  'resources.read': { server: string; uri: string };
}

/** Result type of each RPC method. */
export interface RpcResults {
  'chats.list': ChatInfo[];
  'chats.create': ChatInfo;
  'chats.update': ChatInfo;
  'chats.delete': { deleted: string };
  'chats.history': HistoryPage;
  'chats.export': ChatExport;
  'servers.list': ServerStatus[];
  'servers.add': ServerStatus;
  'servers.update': ServerStatus;
  'servers.remove': { removed: string };
  'servers.connect': ServerStatus;
  'servers.import': ServerStatus[];
  'settings.get': Settings;
  'rules.list': ApprovalRule[];
  'rules.add': ApprovalRule;
  'rules.remove': { removed: string };
  'chats.retry': { started: string };
  'chats.edit_message': { started: string };
  'chats.branches': Branches;
  'chats.switch_branch': Branches;
  'notebooks.answer': { answered: boolean };
  'servers.roots': ServerStatus;
  'servers.log': ServerLogEntry[];
  'resources.list': ResourceList;
  'prompts.list': PromptInfo[];
  'prompts.get': PromptMessage[];
  'resources.read': ResourceContent[];
}

// Both maps name exactly the methods of the protocol package: a method added there fails to compile here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const paramsCoverMethods: Same<keyof RpcParams, RpcMethod> = true;
const resultsCoverMethods: Same<keyof RpcResults, RpcMethod> = true;
void paramsCoverMethods;
void resultsCoverMethods;

/** A JSON schema as MCP tools give it for their arguments (`ToolInfo.input_schema`). */
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
