/** Pure helpers of the approval panel: its identity, how a call is named, its keyboard shortcuts. */
import type { PendingCall } from '../protocol';
import type { Choice } from './approval';

/** The ids of the calls a panel decides, in order (the panel is rebuilt when they change). */
export function panelKey(calls: readonly Pick<PendingCall, 'id'>[]): string {
  return JSON.stringify(calls.map(c => c.id));
}

/** "server:tool", or the prefixed name when the call does not say. */
export function whatOf(call: Pick<PendingCall, 'server' | 'tool' | 'name'>): string {
  return call.server && call.tool ? `${call.server}:${call.tool}` : call.name;
}

/** The choice a key stands for on the approval panel (A / E / R, any case), or null. */
export function shortcutChoice(key: string): Extract<Choice, 'approve' | 'edit' | 'reject'> | null {
  switch (key.toLowerCase()) {
    case 'a':
      return 'approve';
    case 'e':
      return 'edit';
    case 'r':
      return 'reject';
    default:
      return null;
  }
}

/** What a decided card says while the other calls still wait. */
export function decidedText(choice: Choice): string {
  switch (choice) {
    case 'approve':
      return 'Approved';
    case 'edit':
      return 'Approved with your edits';
    case 'reject':
      return 'Rejected';
    case 'allow-chat':
      return 'Approved, and allowed in this chat from now on';
    case 'allow-always':
      return 'Approved, and allowed in every chat from now on';
    case 'block':
      return 'Rejected, and blocked in every chat from now on';
  }
}
