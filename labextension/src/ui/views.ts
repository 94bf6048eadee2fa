/**
 * The parts of the chat UI that render the {@link ChatState} into their own element: banner,
 * header, chat error, composer. Each clears and refills its element (the transcript is keyed:
 * ui/transcript.ts); ui/app.ts
 * decides when (the parts of the state each one reads are listed in `VIEW_INPUTS`).
 */
import { clear, h } from '../dom';
import { ChatState, currentChat, isBusy, isRunning, lastUserText } from '../model/state';

type Part = (s: ChatState) => unknown;

/** What each view reads: it re-renders when one of these changed (by identity). */
export const VIEW_INPUTS = {
  banner: [s => s.connection, s => s.connectionDetail, s => s.globalError],
  sidebar: [s => s.chats, s => s.chatId, s => s.running],
  header: [s => s.chats, s => s.chatId, s => s.servers, s => s.model],
  servers: [s => s.servers, s => s.chats, s => s.chatId, s => s.rules],
  transcript: [
    s => s.chatId,
    s => s.messages,
    s => s.notes,
    s => s.streamingId,
    s => s.callStatus,
    s => s.truncated,
    s => s.loadingHistory,
    s => s.interrupted,
    s => s.historyOffset,
    s => s.loadingOlder,
    isRunning
  ],
  approvals: [s => s.pending, s => s.decisionError],
  composer: [s => s.chatId, isRunning, isBusy, s => s.pending.length, s => s.connection, s => s.chatError]
} satisfies Record<string, Part[]>;

export type View = keyof typeof VIEW_INPUTS;

/** The views whose inputs differ between two states. */
export function changedViews(next: ChatState, prev: ChatState): Set<View> {
  const out = new Set<View>();
  for (const [view, parts] of Object.entries(VIEW_INPUTS) as [View, Part[]][]) {
    if (parts.some(part => part(next) !== part(prev))) {
      out.add(view);
    }
  }
  return out;
}

export function renderBanner(
  banner: HTMLElement,
  errorBanner: HTMLElement,
  s: ChatState,
  on: { reconnect(): void; dismiss(): void }
): void {
  clear(banner);
  const state = s.connection;
  banner.hidden = state === 'open';
  banner.dataset.state = state;
  if (state === 'connecting') {
    banner.append('Connecting to the chat server…');
  } else if (state === 'closed') {
    const retry = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'reconnect' }, 'Reconnect now');
    retry.addEventListener('click', () => on.reconnect());
    banner.append(
      `Disconnected from the chat server${s.connectionDetail ? ` (${s.connectionDetail})` : ''}. Reconnecting… `,
      retry
    );
  }
  clear(errorBanner);
  errorBanner.hidden = !s.globalError;
  if (s.globalError) {
    const close = h(
      'button',
      { type: 'button', class: 'mcpchat-btn mcpchat-small', title: 'Dismiss', 'aria-label': 'Dismiss this error', 'data-testid': 'dismiss-banner' },
      '×'
    );
    close.addEventListener('click', () => on.dismiss());
    errorBanner.append(s.globalError, ' ', close);
  }
}

export interface HeaderProps {
  showSidebar: boolean;
  showServers: boolean;
  onToggleSidebar(): void;
  onToggleServers(): void;
  onNew(): void;
}

export function renderHeader(header: HTMLElement, s: ChatState, p: HeaderProps): void {
  clear(header);
  const chat = currentChat(s);
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'mcpchat-btn mcpchat-icon',
      'data-testid': 'toggle-chats',
      title: p.showSidebar ? 'Hide chats' : 'Show chats',
      'aria-label': 'Chats',
      'aria-expanded': String(p.showSidebar)
    },
    h('span', { 'aria-hidden': 'true' }, '☰')
  );
  toggle.addEventListener('click', () => p.onToggleSidebar());
  const newBtn = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'new-chat', title: 'New chat', 'aria-label': 'New chat' },
    h('span', { 'aria-hidden': 'true' }, '+')
  );
  newBtn.addEventListener('click', () => p.onNew());
  const inChat = chat ? s.servers.filter(srv => chat.servers.includes(srv.name)) : [];
  const failed = inChat.filter(srv => srv.state === 'error').length;
  const serversBtn = h(
    'button',
    {
      type: 'button',
      class: `mcpchat-btn mcpchat-small${failed ? ' mcpchat-warn' : ''}`,
      'data-testid': 'toggle-servers',
      title: 'MCP servers of this chat',
      'aria-label': `Servers${chat ? `: ${inChat.length} in this chat` : ''}${failed ? `, ${failed} failed` : ''}`,
      'aria-expanded': String(p.showServers)
    },
    `Servers ${chat ? `(${inChat.length})` : ''}${failed ? ' ⚠' : ''}`
  );
  serversBtn.addEventListener('click', () => p.onToggleServers());
  let badge: HTMLElement | null = null;
  if (s.model) {
    badge = s.model.demo
      ? h('span', { class: 'mcpchat-badge mcpchat-demo', 'data-testid': 'demo-badge', title: s.model.label }, 'Offline demo model')
      : h('span', { class: 'mcpchat-badge', 'data-testid': 'model-badge', title: s.model.label }, s.model.name);
  }
  header.append(
    toggle,
    h('span', { class: 'mcpchat-title', 'data-testid': 'chat-title', title: chat?.title ?? '' }, chat?.title ?? 'mcpchat'),
    newBtn,
    ...(badge ? [badge] : []),
    serversBtn
  );
}

/** Errors of a turn (the model, an MCP server, the engine): Retry sends the last message again. */
const RETRYABLE = new Set(['model_error', 'mcp_error', 'internal', 'storage']);

export function renderChatError(box: HTMLElement, s: ChatState, onDismiss: () => void, onRetry: () => void = () => {}): void {
  clear(box);
  const err = s.chatError;
  box.hidden = !err;
  if (err) {
    box.dataset.code = err.code;
    const close = h(
      'button',
      { type: 'button', class: 'mcpchat-btn mcpchat-small', title: 'Dismiss', 'aria-label': 'Dismiss this error', 'data-testid': 'dismiss-error' },
      '×'
    );
    close.addEventListener('click', () => onDismiss());
    const retry =
      RETRYABLE.has(err.code) && lastUserText(s)
        ? h(
            'button',
            {
              type: 'button',
              class: 'mcpchat-btn mcpchat-small',
              'data-testid': 'error-retry',
              'aria-label': 'Retry: send your last message again',
              disabled: isBusy(s) || s.connection !== 'open'
            },
            'Retry'
          )
        : null;
    retry?.addEventListener('click', () => {
      retry.disabled = true;
      onRetry();
    });
    box.append(h('span', { class: 'mcpchat-chat-error-text' }, err.text), ' ', ...(retry ? [retry, ' '] : []), close);
  }
}

/** Send / Stop buttons of the composer, and the root's `data-running`. */
export function renderComposer(
  els: { root: HTMLElement; send: HTMLButtonElement; stop: HTMLButtonElement },
  s: ChatState
): void {
  const running = isRunning(s);
  els.stop.hidden = !running;
  els.send.disabled = isBusy(s) || s.connection !== 'open';
  els.send.title =
    s.connection !== 'open' ? 'Not connected to the chat server' : s.pending.length ? 'Decide the pending tool calls first' : '';
  els.root.dataset.running = String(running);
}
