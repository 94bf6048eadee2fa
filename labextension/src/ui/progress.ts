import { h } from '../dom';
import type { CallStatus } from '../model/state';

/** The event a card's Cancel sends up the DOM; the app cancels that call (ui/app.ts). */
export const CANCEL_CALL_EVENT = 'mcpchat-cancel-call';

export interface CancelCallDetail {
  callId: string;
}

/** "3 of 10 (30 %)", "3" (no total) — the server's numbers, as text. */
export function progressText(p: { progress: number; total: number | null }): string {
  if (p.total && p.total > 0) {
    const pct = Math.max(0, Math.min(100, Math.round((100 * p.progress) / p.total)));
    return `${p.progress} of ${p.total} (${pct} %)`;
  }
  return String(p.progress);
}

/**
 * The live part of a running call's card: its progress (bar and the server's message, as text)
 * and a Cancel that cancels this call alone (the turn goes on). Null when the call is not running.
 */
export function progressView(callId: string, live: CallStatus | undefined): HTMLElement | null {
  if (live?.kind !== 'running') {
    return null;
  }
  const p = live.progress;
  const cancel = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'cancel-call', title: 'Cancel this tool call (the chat goes on)' },
    'Cancel'
  );
  cancel.addEventListener('click', () => {
    cancel.disabled = true;
    cancel.textContent = 'Cancelling…';
    cancel.dispatchEvent(new CustomEvent<CancelCallDetail>(CANCEL_CALL_EVENT, { bubbles: true, detail: { callId } }));
  });
  const bar = p
    ? h('progress', {
        class: 'mcpchat-progress-bar',
        'data-testid': 'progress-bar',
        max: p.total && p.total > 0 ? p.total : undefined,
        value: p.total && p.total > 0 ? Math.min(p.progress, p.total) : undefined
      })
    : null;
  return h(
    'div',
    { class: 'mcpchat-progress', 'data-testid': 'call-progress' },
    bar,
    p ? h('span', { class: 'mcpchat-progress-text', 'data-testid': 'progress-text' }, progressText(p)) : null,
    p?.message ? h('span', { class: 'mcpchat-progress-message', 'data-testid': 'progress-message' }, p.message) : null,
    cancel
  );
}
