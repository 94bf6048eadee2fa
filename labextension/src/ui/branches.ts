/**
 * Retry, edit-and-resend and the ‹ 1/2 › navigation between versions of a user message.
 *
 * The transcript (ui/transcript.ts) renders them as keyed parts ({@link BranchControls.parts}): a
 * bar after the message (Edit on every user message, the version navigator where a message has
 * other versions, Retry on the last reply, or on the last user message when its reply failed), and
 * the editor in place of the message's text.
 * The versions come from `chats.branches`, asked when a chat opens, when its history loaded and
 * when a turn of it ended. User text stays text (`textContent`, a textarea's value).
 */
import type { BranchPoint, ChatMessage } from '../protocol';
import type { ChatClient } from '../client';
import { h } from '../dom';
import * as act from '../model/actions';
import { BranchPoints, endsWithUser, lastReplyId, pointsOf, turnRefused } from '../model/branches';
import { ChatState, isBusy } from '../model/state';
import type { KeyedItem } from './keyed';
import type { ChatStore } from '../model/store';

/** What the transcript renders of the branch controls for one state (see {@link BranchControls.parts}). */
export interface BranchParts {
  /** The bar after message `m` (a keyed item of the transcript), or null. */
  bar(m: ChatMessage): KeyedItem | null;
  /** The editor in place of user message `m`'s text (a keyed part of the message), or null. */
  editor(m: ChatMessage): KeyedItem | null;
}

export interface BranchHooks {
  /** Show why an action failed (the chat error). */
  flash(text: string): void;
  /** Render the transcript again (the versions or the editor changed). */
  rerender(): void;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function button(testid: string, label: string, text: string, disabled: boolean, onClick: () => void): HTMLButtonElement {
  const b = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-small mcpchat-branch-btn', 'data-testid': testid, 'aria-label': label, title: label, disabled },
    text
  );
  b.addEventListener('click', () => {
    b.disabled = true;
    onClick();
  });
  return b;
}

export class BranchControls {
  private points: BranchPoints = new Map();
  private pointsOfChat: string | null = null;
  private seq = 0;
  /** The user message being edited, and the draft (kept across re-renders). */
  private editing: { chatId: string; id: string; text: string } | null = null;

  constructor(
    private client: ChatClient,
    private store: ChatStore,
    private hooks: BranchHooks
  ) {
    store.onChange((next, prev) => {
      const turnEnded = next.chatId !== null && prev.running.has(next.chatId) && !next.running.has(next.chatId);
      const loaded = prev.loadingHistory && !next.loadingHistory;
      if (next.chatId !== prev.chatId || turnEnded || loaded) {
        void this.refresh(next.chatId);
      }
    });
  }

  /** Ask the server which user messages of the shown branch have other versions. */
  async refresh(chatId: string | null): Promise<void> {
    const seq = ++this.seq;
    if (!chatId) {
      this.setPoints(null, new Map());
      return;
    }
    try {
      const answer = await this.client.call('chats.branches', { chat_id: chatId });
      if (seq === this.seq) {
        this.setPoints(chatId, pointsOf(answer));
      }
    } catch {
      // an older server or a deleted chat: no navigation, nothing else breaks
    }
  }

  private setPoints(chatId: string | null, points: BranchPoints): void {
    if (this.pointsOfChat === chatId && this.points.size === 0 && points.size === 0) {
      return;
    }
    this.pointsOfChat = chatId;
    this.points = points;
    this.hooks.rerender();
  }

  /**
   * The branch parts of the transcript for `s` (ui/transcript.ts puts them into its keyed render):
   * the bar after a message (Edit on every user message, the version navigator where a message
   * has other versions, Retry on the last reply or on the last user message when its reply
   * failed) and the editor in place of a user message's text while it is edited.
   */
  parts(s: ChatState): BranchParts {
    const chatId = s.chatId;
    const busy = isBusy(s);
    const points = this.pointsOfChat === chatId ? this.points : new Map<string, BranchPoint>();
    const lastReply = busy ? null : lastReplyId(s.messages);
    const retryOnUser = !busy && endsWithUser(s.messages) ? s.messages[s.messages.length - 1].id : null;
    const editing = chatId && this.editing?.chatId === chatId ? this.editing : null;
    return {
      bar: m => {
        if (!chatId || (m.role !== 'user' && m.id !== lastReply) || editing?.id === m.id) {
          return null;
        }
        const point = m.role === 'user' ? points.get(m.id) : undefined;
        const retry = m.id === lastReply || m.id === retryOnUser;
        return {
          key: `branch:${m.id}`,
          deps: [chatId, m, point?.index, point?.count, busy, retry],
          render: () => this.bar(chatId, m, point, busy, retry)
        };
      },
      editor: m =>
        chatId && editing && m.role === 'user' && editing.id === m.id
          ? { key: 'edit', deps: [editing, busy], render: () => this.editor(chatId, m.id, busy) }
          : null
    };
  }

  private bar(chatId: string, m: ChatMessage, point: BranchPoint | undefined, busy: boolean, retry: boolean): HTMLElement {
    const bar = h('div', { class: `mcpchat-branch-bar mcpchat-branch-bar-${m.role}`, 'data-testid': 'branch-bar' });
    if (point) {
      bar.append(this.navigator(chatId, m.id, point.index, point.count, busy));
    }
    if (m.role === 'user') {
      bar.append(
        button('edit-message', 'Edit this message and send it as a new version', 'Edit', busy, () => {
          this.editing = { chatId, id: m.id, text: m.content };
          this.hooks.rerender();
        })
      );
    }
    if (retry) {
      bar.append(button('retry-reply', 'Retry: answer again as a new version (this one is kept)', 'Retry', busy, () => void this.retry(chatId)));
    }
    return bar;
  }

  private navigator(chatId: string, id: string, index: number, count: number, busy: boolean): HTMLElement {
    const prev = button('branch-prev', 'Show the previous version', '‹', busy || index === 0, () => void this.switchTo(chatId, id, index - 1));
    const next = button('branch-next', 'Show the next version', '›', busy || index >= count - 1, () => void this.switchTo(chatId, id, index + 1));
    const label = h('span', { class: 'mcpchat-branch-count', 'data-testid': 'branch-count' }, `${index + 1}/${count}`);
    return h('span', { class: 'mcpchat-branch-nav', 'data-testid': 'branch-nav' }, prev, label, next);
  }

  /** The editor of a user message (in place of its text: ui/messages.ts); the draft survives re-renders. */
  private editor(chatId: string, id: string, busy: boolean): HTMLElement {
    const draft = this.editing?.text ?? '';
    const area = h('textarea', { class: 'mcpchat-input mcpchat-branch-editor', 'data-testid': 'edit-input', rows: 3 });
    area.value = draft;
    area.addEventListener('input', () => {
      if (this.editing) {
        this.editing.text = area.value;
      }
    });
    const send = button('edit-send', 'Send the edited message as a new version', 'Send', busy, () => void this.edit(chatId, id, area.value));
    const cancel = button('edit-cancel', 'Keep the message as it is', 'Cancel', false, () => {
      this.editing = null;
      this.hooks.rerender();
    });
    queueMicrotask(() => area.focus());
    return h('div', { class: 'mcpchat-branch-edit', 'data-testid': 'edit-form' }, area, h('div', { class: 'mcpchat-branch-bar' }, send, cancel));
  }

  private async retry(chatId: string): Promise<void> {
    await this.startTurn(chatId, () => this.client.call('chats.retry', { chat_id: chatId }), 'Could not retry');
  }

  private async edit(chatId: string, id: string, text: string): Promise<void> {
    if (!text.trim()) {
      this.hooks.flash('The edited message is empty: type the text to send.');
      this.hooks.rerender();
      return;
    }
    const sent = await this.startTurn(
      chatId,
      () => this.client.call('chats.edit_message', { chat_id: chatId, message_id: id, text }),
      'Edit not sent'
    );
    if (sent) {
      this.editing = null; // (the draft stays on a refusal: the user's text is never lost)
    }
    this.hooks.rerender();
  }

  /** Mark the chat running before the call (its frames may come before the answer). */
  private async startTurn(chatId: string, call: () => Promise<unknown>, what: string): Promise<boolean> {
    this.store.update(s => act.turnRequested(act.setChatError(s, null), chatId));
    try {
      await call();
      return true;
    } catch (err) {
      this.store.update(s => turnRefused(s, chatId));
      this.hooks.flash(`${what}: ${message(err)}`);
      return false;
    }
  }

  private async switchTo(chatId: string, id: string, index: number): Promise<void> {
    try {
      const answer = await this.client.call('chats.switch_branch', { chat_id: chatId, message_id: id, index });
      this.editing = null;
      this.seq++;
      this.points = pointsOf(answer);
      this.pointsOfChat = chatId;
      // (the history of the version now shown is loaded on the `branch_switched` frame the server
      // sends every client of the user, this one too, before it answers: controller.ts)
    } catch (err) {
      this.hooks.flash(`Could not show that version: ${message(err)}`);
    }
    this.hooks.rerender();
  }
}
