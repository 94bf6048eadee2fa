/**
 * What the UI tells the user in words, from the state alone (pure): why the composer cannot send
 * now, and what the polite live region announces when a reply or an approval request arrives.
 */
import { ChatState, isRunning } from './state';

/** Why a message cannot be sent now (shown under the composer; the text stays), or null. */
export function sendBlocker(s: ChatState): string | null {
  if (s.connection !== 'open') {
    return 'Not connected to the chat server: your message stays here until it reconnects.';
  }
  if (s.chatId !== null && s.pending.length > 0) {
    const n = s.pending.length;
    return `Decide the ${n === 1 ? 'tool call' : `${n} tool calls`} above first (Approve, Edit or Reject): your message stays here.`;
  }
  if (isRunning(s)) {
    return 'The agent is still answering: wait, or press Stop. Your message stays here.';
  }
  return null;
}

const MAX_SPOKEN = 600;

function spoken(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_SPOKEN ? `${flat.slice(0, MAX_SPOKEN)}…` : flat;
}

/**
 * What the live region says after a change of the open chat (null: nothing new to say). Errors are
 * not repeated here: the chat error box is an alert of its own.
 */
export function announcement(prev: ChatState, next: ChatState): string | null {
  if (prev.chatId !== next.chatId || next.chatId === null) {
    return null;
  }
  if (prev.pending.length === 0 && next.pending.length > 0) {
    const names = next.pending.map(c => (c.server && c.tool ? `${c.server} ${c.tool}` : c.name));
    return `The agent wants to run ${names.join(', ')}. Decide in the approval card.`;
  }
  if (isRunning(prev) && !isRunning(next) && next.pending.length === 0) {
    for (let i = next.messages.length - 1; i >= 0; i--) {
      const m = next.messages[i];
      if (m.role === 'user') {
        break;
      }
      if (m.role === 'assistant' && m.content.trim()) {
        return `Reply: ${spoken(m.content)}`;
      }
    }
    return 'The turn ended.';
  }
  return null;
}
