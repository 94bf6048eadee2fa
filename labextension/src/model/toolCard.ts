/**
 * What a tool call's card in the transcript says: its status, badges (cancelled, interrupted,
 * blocked, unknown tool, invalid arguments, approved with edits), the approval rule that decided
 * it, and the model's own arguments when the user edited them. From the call, its result message
 * (whose `metadata` the server sets, so it survives a reload) and what the live frames said.
 * Pure: ui/messages.ts renders it.
 */
import type { ChatMessage, ToolCall } from '../protocol';
import type { CallStatus } from './state';

export type CardKind = CallStatus['kind'] | 'interrupted' | 'blocked';

export type BadgeId = 'cancelled' | 'interrupted' | 'blocked' | 'unknown' | 'invalid' | 'edited';

export interface Badge {
  id: BadgeId;
  text: string;
}

export interface CardView {
  /** `data-status` of the card. */
  kind: CardKind | '';
  /** The short status in the card's head ('' when none). */
  text: string;
  badges: Badge[];
  /** "Allowed by your rule: …" / "Blocked: …", or null. */
  ruleNote: string | null;
  /** The model's own arguments when the user edited them (`call.args` are the ones that ran). */
  originalArgs: Record<string, unknown> | null;
}

const flag = (result: ChatMessage | undefined, name: string): boolean => result?.metadata?.[name] === true;

function text(value: unknown): string | null {
  return typeof value === 'string' && value ? value : null;
}

export function cardView(call: ToolCall, result: ChatMessage | undefined, live: CallStatus | undefined): CardView {
  const badges: Badge[] = [];
  const originalArgs = call.original_args ?? null;
  const edited = originalArgs !== null || flag(result, 'edited');
  const rule = text(result?.metadata?.rule) ?? live?.rule ?? null;
  let kind: CardView['kind'] = live?.kind ?? '';
  let status = live?.text ?? '';
  if (result) {
    if (flag(result, 'cancelled')) {
      kind = 'cancelled';
    } else if (flag(result, 'interrupted')) {
      kind = 'interrupted';
    } else if (flag(result, 'denied')) {
      kind = 'blocked';
    } else if (flag(result, 'unknown') || flag(result, 'invalid')) {
      kind = 'error';
    } else if (result.status === 'error') {
      const rejected = live?.kind === 'rejected' || flag(result, 'rejected') || /reject/i.test(result.content);
      kind = 'error';
      status = live?.kind === 'rejected' ? live.text : rejected ? 'rejected' : 'failed';
    } else {
      kind = 'done';
      status = live?.kind === 'approved' ? `${live.text} · done` : rule ? 'auto-approved · done' : 'done';
    }
  } else if (live?.kind === 'rejected' && rule) {
    kind = 'blocked'; // blocked by a rule, its answer not here yet
  }
  // the badge is the status of a call that was cut short or did not run
  const badge = cutShort(kind, result, live);
  if (badge) {
    badges.push(badge);
    status = '';
  }
  if (edited) {
    badges.push({ id: 'edited', text: 'approved with edits' });
    status = status.replace('approved with edits', 'approved');
  }
  const ruleNote = rule ? (kind === 'blocked' ? `Blocked: ${rule}` : `Allowed by ${rule}`) : null;
  return { kind, text: status, badges, ruleNote, originalArgs };
}

function cutShort(kind: CardView['kind'], result: ChatMessage | undefined, live: CallStatus | undefined): Badge | null {
  if (kind === 'cancelled') {
    // Stop ended the turn ("stopped"); the card's own Cancel ended only this call ("cancelled")
    const stopped = flag(result, 'stopped') || (!result && live?.text === 'stopped');
    return { id: 'cancelled', text: stopped ? 'stopped' : 'cancelled' };
  }
  if (kind === 'interrupted') {
    return { id: 'interrupted', text: 'interrupted: may or may not have completed' };
  }
  if (kind === 'blocked') {
    return { id: 'blocked', text: 'blocked' };
  }
  if (flag(result, 'unknown')) {
    return { id: 'unknown', text: 'unknown tool' };
  }
  if (flag(result, 'invalid')) {
    return { id: 'invalid', text: 'invalid arguments' };
  }
  return null;
}
