/**
 * The transcript of the open chat: keyed nodes (ui/keyed.ts), so that a change re-renders only
 * the messages it touched (while a reply streams, only that reply's last markdown block), and the
 * scroll rules of ui/scroll.ts: the view follows new content while the user is at the bottom (also
 * when cards or images appear), never moves while they read higher up (what they look at stays
 * in place when older messages are put above it), and loads older pages as they scroll up.
 */
import type { ChatMessage } from '../protocol';
import { h } from '../dom';
import type { CodeActions } from '../markdown';
import { CallTimes } from '../model/jsonTree';
import { ChatState, isBusy, isRunning } from '../model/state';
import type { BranchParts } from './branches';
import { KeyedChildren } from './keyed';
import { messageDeps } from './messageDeps';
import { MessageContext, renderMessage, renderOrphanTool } from './messages';
import { firstVisible, keepInPlace, pinnedAfter, wantsOlder } from './scroll';
import { TranscriptWindow, WindowItem } from './virtual';

export interface TranscriptHooks {
  codeActions: CodeActions;
  onRetry(): void;
  onLoadOlder(): void;
  /** The branch bars and the message editor for a state (ui/branches.ts). */
  branches?(s: ChatState): BranchParts;
}

/** What the message views need to know about the open chat's tool calls. */
export function messageContext(s: ChatState, codeActions: CodeActions, times: CallTimes = new CallTimes()): MessageContext {
  const results = new Map<string, ChatMessage>();
  for (const m of s.messages) {
    if (m.role === 'tool' && m.tool_call_id) {
      results.set(m.tool_call_id, m);
    }
  }
  const running = [...s.callStatus].filter(([, st]) => st.kind === 'running').map(([id]) => id);
  times.observe(running, results.keys());
  return {
    codeActions,
    durationOf: id => times.durationOf(id),
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

/** The note under a reply that a restart or crash of the server cut short, with Retry (answers the last message again). */
function interruptedNote(busy: boolean, onRetry: () => void): HTMLElement {
  const retry = h(
    'button',
    {
      type: 'button',
      class: 'mcpchat-btn mcpchat-small',
      'data-testid': 'retry',
      'aria-label': 'Retry: send your last message again',
      disabled: busy
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
    h('span', {}, 'Interrupted: the server restarted.'),
    ' ',
    retry
  );
}

const UP_KEYS = new Set(['PageUp', 'ArrowUp', 'Home']);
const DOWN_KEYS = new Set(['PageDown', 'ArrowDown', 'End', ' ']);

export class TranscriptView {
  /** The keyed container inside the scroll box (its size changes are watched). */
  readonly content = h('div', { class: 'mcpchat-transcript-content' });
  private kids = new KeyedChildren(this.content);
  /** Of a long chat only what is near the view is in the DOM (ui/virtual.ts). */
  private window = new TranscriptWindow(this.content, this.kids);
  private windowQueued = false;
  private pinned = true;
  private chatId: string | null | undefined = undefined;
  private state: ChatState | null = null;
  private times = new CallTimes();

  constructor(
    readonly el: HTMLElement,
    private hooks: TranscriptHooks
  ) {
    el.append(this.content);
    el.addEventListener('scroll', () => this.userScrolled('scroll'), { passive: true });
    el.addEventListener('wheel', ev => this.userScrolled(ev.deltaY < 0 ? 'wheel-up' : 'wheel-down'), { passive: true });
    el.addEventListener('keydown', ev => {
      if (UP_KEYS.has(ev.key)) {
        this.userScrolled('key-up');
      } else if (DOWN_KEYS.has(ev.key)) {
        this.userScrolled('key-down');
      }
    });
    if (typeof ResizeObserver !== 'undefined') {
      // content that grows without a render (an image loads, a card is opened), or a smaller box
      new ResizeObserver(() => this.follow()).observe(this.content);
      new ResizeObserver(() => this.follow()).observe(el);
    }
  }

  /** Follow the newest content again (the user sent a message). */
  pin(): void {
    this.pinned = true;
    this.follow();
  }

  get isPinned(): boolean {
    return this.pinned;
  }

  private userScrolled(input: Parameters<typeof pinnedAfter>[1]): void {
    const was = this.pinned;
    this.pinned = pinnedAfter(this.el, input, this.pinned);
    if (this.window.active && !this.windowQueued && !(was && this.pinned)) {
      // other messages come into view: render them, once a frame (following the bottom: no change)
      this.windowQueued = true;
      requestAnimationFrame(() => {
        this.windowQueued = false;
        if (this.state) {
          this.render(this.state);
        }
      });
    }
    const s = this.state;
    if (s && wantsOlder(this.el, s.historyOffset, s.loadingOlder || s.loadingHistory)) {
      this.hooks.onLoadOlder();
    }
  }

  private follow(): void {
    if (this.pinned && this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight > 1) {
      this.el.scrollTop = this.el.scrollHeight;
    }
  }

  /** The first node in view and its top relative to the box's top (to keep it in place). */
  private anchor(): { node: Element; top: number } | null {
    const nodes = this.content.children;
    const boxTop = this.el.getBoundingClientRect().top;
    const i = firstVisible(nodes.length, k => nodes[k].getBoundingClientRect().bottom - boxTop);
    const node = nodes[i];
    if (node?.classList.contains('mcpchat-spacer')) {
      return null; // the view is over messages not rendered yet (a jump): they render where it is
    }
    return node ? { node, top: node.getBoundingClientRect().top - boxTop } : null;
  }

  /** Keys rendered wherever they are: the streaming reply, calls waiting or running, the selection. */
  private kept(s: ChatState): Set<string> {
    const keep = new Set<string>(['older']); // (the button that loads older pages stays reachable)
    if (s.streamingId) {
      keep.add(`msg:${s.streamingId}`);
    }
    const live = new Set(s.pending.map(c => c.id));
    s.callStatus.forEach((st, id) => (st.kind === 'pending' || st.kind === 'approved' || st.kind === 'running') && live.add(id));
    for (const m of s.messages) {
      if (m.tool_calls.some(c => live.has(c.id))) {
        keep.add(`msg:${m.id}`);
      }
    }
    const sel = typeof getSelection === 'function' ? getSelection() : null;
    const at = sel && sel.rangeCount > 0 ? sel.anchorNode : null;
    const msg = (at instanceof Element ? at : at?.parentElement)?.closest('[data-message-id]');
    if (msg && this.content.contains(msg)) {
      keep.add(`msg:${msg.getAttribute('data-message-id')}`);
    }
    return keep;
  }

  render(s: ChatState): void {
    this.state = s;
    if (s.chatId !== this.chatId) {
      this.chatId = s.chatId;
      this.kids.clear(); // another chat: nothing to keep
      this.window.clear();
      this.pinned = true;
    }
    const anchor = this.pinned ? null : this.anchor();
    const height = this.el.clientHeight;
    const key = anchor ? this.kids.keyOf(anchor.node) : undefined;
    // where the view is, in the content (read only when it does not follow the bottom)
    const top = () => this.el.getBoundingClientRect().top - this.content.getBoundingClientRect().top;
    this.kids.update(
      this.window.select(
        this.items(s),
        this.pinned ? { bottom: true, height } : { top: top(), height },
        this.kept(s),
        anchor && key ? { key, offset: anchor.top } : undefined
      )
    );
    if (this.pinned) {
      this.el.scrollTop = this.el.scrollHeight;
    } else if (anchor && anchor.node.isConnected) {
      const boxTop = this.el.getBoundingClientRect().top;
      const top = keepInPlace(this.el.scrollTop, anchor.top, anchor.node.getBoundingClientRect().top - boxTop);
      if (top !== this.el.scrollTop) {
        this.el.scrollTop = top;
      }
    }
    this.el.dataset.pinned = String(this.pinned);
    this.window.measure();
  }

  /** The keyed items of the transcript, in order. */
  private items(s: ChatState): WindowItem[] {
    if (!s.chatId) {
      return [
        {
          key: 'no-chat',
          deps: [],
          render: () =>
            h(
              'div',
              { class: 'mcpchat-empty', 'data-testid': 'empty-state' },
              h('p', {}, 'Chat with an agent that uses tools from your MCP servers.'),
              h('p', {}, 'No tool runs before you approve it.'),
              h('p', {}, 'Type a message below to start a new chat.')
            )
        }
      ];
    }
    const items: WindowItem[] = [];
    if (s.historyOffset > 0) {
      items.push({ key: 'older', deps: [s.historyOffset, s.loadingOlder], render: () => this.olderBar(s) });
    }
    const ctx = messageContext(s, this.hooks.codeActions, this.times);
    const callIds = new Set(s.messages.flatMap(m => m.tool_calls.map(c => c.id)));
    const branches = this.hooks.branches?.(s);
    const notes = (i: number) =>
      s.notes.forEach((n, k) => {
        if (n.after === i) {
          items.push({
            key: `note:${k}`,
            deps: [n.text, n.level],
            render: () => h('div', { class: `mcpchat-note mcpchat-note-${n.level}` }, n.text)
          });
        }
      });
    s.messages.forEach((m, i) => {
      notes(i);
      if (m.role === 'tool' && !(m.tool_call_id && callIds.has(m.tool_call_id))) {
        items.push({ key: `orphan:${m.id}`, deps: [m], render: () => renderOrphanTool(m) });
      } else if (m.role === 'user' || m.role === 'assistant') {
        const streaming = m.id === s.streamingId;
        const editor = branches?.editor(m) ?? null;
        items.push({
          key: `msg:${m.id}`,
          deps: editor ? [...messageDeps(m, ctx, streaming), ...editor.deps] : messageDeps(m, ctx, streaming),
          render: prev => renderMessage(m, ctx, streaming, prev, editor) as HTMLElement
        });
        const bar = branches?.bar(m);
        if (bar) {
          items.push({ ...bar, withPrevious: true }); // beside the message, not in it (its text stays its own)
        }
      }
    });
    notes(s.messages.length);
    const running = isRunning(s);
    if (s.interrupted && !running) {
      const busy = isBusy(s);
      items.push({ key: 'interrupted', deps: [busy], render: () => interruptedNote(busy, this.hooks.onRetry) });
    }
    if (s.loadingHistory && s.messages.length === 0) {
      items.push({ key: 'loading', deps: [], render: () => h('div', { class: 'mcpchat-note' }, 'Loading…') });
    } else if (s.messages.length === 0) {
      items.push({
        key: 'empty',
        deps: [],
        render: () => h('div', { class: 'mcpchat-empty', 'data-testid': 'empty-chat' }, 'No messages yet. Say hello!')
      });
    }
    if (running && !s.streamingId) {
      items.push({ key: 'thinking', deps: [], render: () => h('div', { class: 'mcpchat-typing', 'data-testid': 'thinking' }, 'Thinking…') });
    }
    return items;
  }

  /** Above the loaded messages: how many older ones there are, and a button that loads them. */
  private olderBar(s: ChatState): HTMLElement {
    const btn = h(
      'button',
      { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'load-older', disabled: s.loadingOlder },
      s.loadingOlder ? 'Loading older messages…' : `Show older messages (${s.historyOffset})`
    );
    btn.addEventListener('click', () => this.hooks.onLoadOlder());
    return h('div', { class: 'mcpchat-older', 'data-testid': 'older-messages' }, btn);
  }
}
