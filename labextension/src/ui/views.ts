/**
 * The parts of the chat UI that render the {@link ChatState} into their own element: banner,
 * header, transcript, chat error, composer. Each clears and refills its element; ui/app.ts
 * decides when (the parts of the state each one reads are listed in `VIEW_INPUTS`).
 */
import type { ChatMessage } from '../protocol';
import { clear, h } from '../dom';
import type { CodeActions } from '../markdown';
import { ChatState, currentChat, isBusy, isRunning } from '../model/state';
import { MessageContext, renderMessage, renderOrphanTool } from './messages';

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
    const retry = h('button', { class: 'mcpchat-btn mcpchat-small', 'data-testid': 'reconnect' }, 'Reconnect now');
    retry.addEventListener('click', () => on.reconnect());
    banner.append(
      `Disconnected from the chat server${s.connectionDetail ? ` (${s.connectionDetail})` : ''}. Reconnecting… `,
      retry
    );
  }
  clear(errorBanner);
  errorBanner.hidden = !s.globalError;
  if (s.globalError) {
    const close = h('button', { class: 'mcpchat-btn mcpchat-small', title: 'Dismiss' }, '×');
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
    { class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'toggle-chats', title: 'Show / hide chats', 'aria-pressed': String(p.showSidebar) },
    '☰'
  );
  toggle.addEventListener('click', () => p.onToggleSidebar());
  const newBtn = h('button', { class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'new-chat', title: 'New chat' }, '+');
  newBtn.addEventListener('click', () => p.onNew());
  const inChat = chat ? s.servers.filter(srv => chat.servers.includes(srv.name)) : [];
  const failed = inChat.filter(srv => srv.state === 'error').length;
  const serversBtn = h(
    'button',
    {
      class: `mcpchat-btn mcpchat-small${failed ? ' mcpchat-warn' : ''}`,
      'data-testid': 'toggle-servers',
      title: 'MCP servers of this chat',
      'aria-pressed': String(p.showServers)
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

/** What the message views need to know about the open chat's tool calls. */
export function messageContext(s: ChatState, codeActions: CodeActions): MessageContext {
  const results = new Map<string, ChatMessage>();
  for (const m of s.messages) {
    if (m.role === 'tool' && m.tool_call_id) {
      results.set(m.tool_call_id, m);
    }
  }
  return {
    codeActions,
    resultOf: id => results.get(id),
    statusOf: id => s.callStatus.get(id),
    truncated: id => s.truncated.has(id),
    toolOf: name => {
      for (const srv of s.servers) {
        const t = srv.tools.find(x => x.name === name);
        if (t) {
          return { server: t.server, tool: t.tool };
        }
      }
      return undefined;
    }
  };
}

/** The note under a reply that a server crash cut short, with Retry (sends the last message again). */
function interruptedNote(s: ChatState, onRetry: () => void): HTMLElement {
  const retry = h(
    'button',
    {
      type: 'button',
      class: 'mcpchat-btn mcpchat-small',
      'data-testid': 'retry',
      'aria-label': 'Retry: send your last message again',
      disabled: isBusy(s)
    },
    'Retry'
  );
  retry.addEventListener('click', () => {
    retry.disabled = true;
    onRetry();
  });
  return h(
    'div',
    { class: 'mcpchat-interrupted', 'data-testid': 'interrupted-note', role: 'status' },
    h('span', {}, 'The reply was interrupted (the server stopped).'),
    ' ',
    retry
  );
}

export function renderTranscript(t: HTMLElement, s: ChatState, codeActions: CodeActions, onRetry: () => void = () => {}): void {
  const atBottom = t.scrollHeight - t.scrollTop - t.clientHeight < 40;
  clear(t);
  if (!s.chatId) {
    t.append(
      h(
        'div',
        { class: 'mcpchat-empty', 'data-testid': 'empty-state' },
        h('p', {}, 'Chat with an agent that uses tools from your MCP servers.'),
        h('p', {}, 'No tool runs before you approve it.'),
        h('p', {}, 'Type a message below to start a new chat.')
      )
    );
    return;
  }
  const ctx = messageContext(s, codeActions);
  const callIds = new Set(s.messages.flatMap(m => m.tool_calls.map(c => c.id)));
  const notesAt = (i: number) =>
    s.notes.filter(n => n.after === i).map(n => h('div', { class: `mcpchat-note mcpchat-note-${n.level}` }, n.text));
  s.messages.forEach((m, i) => {
    t.append(...notesAt(i));
    if (m.role === 'tool' && !(m.tool_call_id && callIds.has(m.tool_call_id))) {
      t.append(renderOrphanTool(m));
      return;
    }
    const el = renderMessage(m, ctx, m.id === s.streamingId);
    if (el) {
      t.append(el);
    }
  });
  t.append(...notesAt(s.messages.length));
  if (s.interrupted && !isRunning(s)) {
    t.append(interruptedNote(s, onRetry));
  }
  if (s.loadingHistory && s.messages.length === 0) {
    t.append(h('div', { class: 'mcpchat-note' }, 'Loading…'));
  } else if (s.messages.length === 0) {
    t.append(h('div', { class: 'mcpchat-empty', 'data-testid': 'empty-chat' }, 'No messages yet. Say hello!'));
  }
  const running = isRunning(s);
  if (running && !s.streamingId) {
    t.append(h('div', { class: 'mcpchat-typing', 'data-testid': 'thinking' }, 'Thinking…'));
  }
  if (atBottom || running) {
    t.scrollTop = t.scrollHeight;
  }
}

export function renderChatError(box: HTMLElement, s: ChatState, onDismiss: () => void): void {
  clear(box);
  const err = s.chatError;
  box.hidden = !err;
  if (err) {
    box.dataset.code = err.code;
    const close = h('button', { class: 'mcpchat-btn mcpchat-small', title: 'Dismiss' }, '×');
    close.addEventListener('click', () => onDismiss());
    box.append(h('span', {}, err.text), ' ', close);
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
  els.send.title = s.pending.length ? 'Decide the pending tool calls first' : '';
  els.root.dataset.running = String(running);
}
