/**
 * What a message's node in the transcript is made from (pure; ui/keyed.ts compares these by
 * identity): the message, whether it streams, and for each of its tool calls the call, its result
 * message, its live status, whether the result was truncated and the server › tool it shows.
 */
import type { ChatMessage, ToolCall } from '../protocol';
import type { CallStatus } from '../model/state';

export interface CallInputs {
  resultOf(callId: string): ChatMessage | undefined;
  statusOf(callId: string): CallStatus | undefined;
  truncated(callId: string): boolean;
  toolOf(name: string): { server: string; tool: string } | undefined;
}

/** "server\0tool" of a call as its card shows it ('' when unknown). */
export function knownTool(call: ToolCall, ctx: CallInputs): string {
  const known = call.server && call.tool ? { server: call.server, tool: call.tool } : ctx.toolOf(call.name);
  return known ? `${known.server}\u0000${known.tool}` : '';
}

/** What a tool call's card is made from (it is made again when one of these changed). */
export function cardDeps(call: ToolCall, ctx: CallInputs): unknown[] {
  return [call, ctx.resultOf(call.id), ctx.statusOf(call.id), ctx.truncated(call.id), knownTool(call, ctx)];
}

/** What a message's node is made from: the message, whether it streams, and its cards' inputs. */
export function messageDeps(msg: ChatMessage, ctx: CallInputs, streaming: boolean): unknown[] {
  return [msg, streaming, ...msg.tool_calls.flatMap(c => cardDeps(c, ctx))];
}

