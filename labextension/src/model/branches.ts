/**
 * Branches of the open chat (pure functions, no DOM): a retry or an edit makes a new version of a
 * user message; the server shows one version at a time (`chats.branches` lists the user messages
 * of the shown branch that have other versions, `chats.switch_branch` shows another one).
 */
import type { BranchPoint, Branches, ChatMessage } from '../protocol';
import { ChatState, withItem } from './state';

/** Versions of the shown branch's user messages, by message id. */
export type BranchPoints = ReadonlyMap<string, BranchPoint>;

export function pointsOf(b: Branches): BranchPoints {
  return new Map(b.points.map(p => [p.message_id, p]));
}

/** `messages` without the message `id` and everything after it (a new version replaces them). */
export function dropFrom(messages: readonly ChatMessage[], id: string | null | undefined): readonly ChatMessage[] {
  const i = id ? messages.findIndex(m => m.id === id) : -1;
  return i < 0 ? messages : messages.slice(0, i);
}

/** The server refused a retry or an edit of `chatId`: no turn runs there after all. */
export function turnRefused(state: ChatState, chatId: string): ChatState {
  const running = withItem(state.running, chatId, false);
  return running === state.running ? state : { ...state, running };
}

/** The id of the open chat's last assistant message that has text (where Retry is offered). */
export function lastReplyId(messages: readonly ChatMessage[]): string | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.role === 'user') {
      return null;
    }
    if (m.role === 'assistant' && m.content) {
      return m.id;
    }
  }
  return null;
}

/** The last message is the user's (a reply failed or was cut short): Retry is offered on it. */
export function endsWithUser(messages: readonly ChatMessage[]): boolean {
  return messages.length > 0 && messages[messages.length - 1].role === 'user';
}
