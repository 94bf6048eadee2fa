/**
 * The MCP servers' own requests of the open chat (elicitation, sampling), as cards: each waits
 * for the user's answer, then shows how it settled. Pure: ../ui/serverRequests.ts renders them.
 *
 * Everything in a request but its ids is the server's text (shown inert, text only).
 */
import type { ElicitationRequestFrame, SamplingRequestFrame, ServerRequestStatusFrame } from '../protocol';
import type { ChatState } from './state';

export type ServerRequest = ElicitationRequestFrame | SamplingRequestFrame;
export type RequestStatus = ServerRequestStatusFrame['status'];

export interface ServerRequestCard {
  readonly request: ServerRequest;
  /**
   * `waiting` for the user, `sent` (answered, the server not yet confirmed), `answered` (a
   * sampling request whose model answer is the next card), or how it settled.
   */
  readonly status: 'waiting' | 'sent' | 'answered' | RequestStatus;
  /** Why an answer was refused (the card still waits), or a note on how it settled. */
  readonly note: string | null;
  /**
   * This view's answer was not taken (another view of the chat answered first, or the request
   * no longer waited): the server's reason, kept whatever the card's status becomes.
   */
  readonly refused?: string | null;
}

/** Statuses after which the card takes no answer. */
const OPEN: ReadonlySet<ServerRequestCard['status']> = new Set(['waiting', 'sent', 'invalid']);

export function isOpen(card: ServerRequestCard): boolean {
  return OPEN.has(card.status);
}

type RequestFrame = ServerRequest | ServerRequestStatusFrame;

/** The state after a request frame of the open chat. */
export function serverRequestEvent(state: ChatState, frame: RequestFrame): ChatState {
  const cards = state.serverRequests;
  if (frame.type !== 'server_request_status') {
    if (cards.some(c => c.request.request_id === frame.request_id)) {
      return state; // the same request again (a duplicate frame): one card
    }
    // a sampling answer to approve: the request it answers (running the model) is done
    const earlier =
      frame.type === 'sampling_request' && frame.stage === 'result'
        ? cards.map(c => (c.status === 'running' && c.request.call_id === frame.call_id ? { ...c, status: 'answered' as const } : c))
        : cards;
    return { ...state, serverRequests: [...earlier, { request: frame, status: 'waiting', note: null }] };
  }
  const at = cards.findIndex(c => c.request.request_id === frame.request_id);
  if (at < 0) {
    return state; // (a request shown before this chat was opened)
  }
  const card = cards[at];
  let next: ServerRequestCard;
  if (frame.status === 'invalid') {
    next = { ...card, status: 'waiting', note: frame.note ?? 'the answer was refused' };
  } else if (frame.status === 'gone') {
    // how it settled comes (or came) to every view; this one is told its answer changed nothing
    next = { ...card, status: isOpen(card) ? 'gone' : card.status, refused: frame.note ?? 'this answer was not taken' };
  } else {
    next = { ...card, status: frame.status, note: frame.note ?? null };
  }
  const copy = cards.slice();
  copy[at] = next;
  return { ...state, serverRequests: copy };
}

/**
 * The requests that wait now, as the chat's history lists them (a reload, a second tab, the
 * notebook widget): a card each, unless this view shows it already.
 */
export function shownRequests(cards: readonly ServerRequestCard[], waiting: readonly ServerRequest[]): readonly ServerRequestCard[] {
  const known = new Set(cards.map(c => c.request.request_id));
  const fresh = waiting.filter(r => !known.has(r.request_id));
  return fresh.length ? [...cards, ...fresh.map(request => ({ request, status: 'waiting' as const, note: null }))] : cards;
}

/** The user answered card `requestId` (its buttons wait for the server's word). */
export function answered(state: ChatState, requestId: string): ChatState {
  const copy = state.serverRequests.map(c =>
    c.request.request_id === requestId && c.status === 'waiting' ? { ...c, status: 'sent' as const, note: null } : c
  );
  return { ...state, serverRequests: copy };
}

/** The turn ended (done, stopped): a card still open can no longer be answered. */
export function endOpen(state: ChatState): ChatState {
  if (!state.serverRequests.some(isOpen)) {
    return state;
  }
  const copy = state.serverRequests.map(c => (isOpen(c) ? { ...c, status: 'ended' as const, note: 'Its tool call ended.' } : c));
  return { ...state, serverRequests: copy };
}

/** How a settled card reads. */
export function statusText(card: ServerRequestCard): string {
  const words: Record<string, string> = {
    sent: 'Sending your answer…',
    running: 'Approved: the model is answering…',
    answered: 'Approved: the model answered (below).',
    accepted: 'You accepted.',
    declined: 'You declined.',
    cancelled: 'You cancelled.',
    approved: 'Approved: returned to the server.',
    rejected: 'Rejected: the server was told.',
    expired: 'Expired.',
    ended: 'Its tool call ended.',
    failed: 'The model failed.',
    gone: 'Your answer was not taken.'
  };
  const base = words[card.status] ?? '';
  return card.note && card.status !== 'waiting' ? `${base} ${card.note}`.trim() : base;
}
