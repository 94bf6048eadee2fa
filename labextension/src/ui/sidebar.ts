import { focusPlace, h } from '../dom';
import type { ChatState } from '../model/state';
import { renderChatList } from './chatList';

export interface SidebarActions {
  onNew(): void;
  onSelect(chatId: string): void;
  /** Save a new title (it differs from the chat's). */
  onRename(chatId: string, title: string): void;
  onDelete(chatId: string): void;
  /** The user closed the list (its close button, or Escape). */
  onClose(): void;
}

/** How long "Delete?" waits for the second press. */
const CONFIRM_MS = 4000;

/** The chat list and its own view state (search text, the title being typed, a delete to confirm). */
export class Sidebar {
  readonly el = h('aside', { class: 'mcpchat-sidebar', 'data-testid': 'chat-sidebar', 'aria-label': 'Chats' });
  shown = false;
  private search = '';
  private renaming: { id: string; draft: string } | null = null;
  private confirming: string | null = null;
  private confirmTimer: number | undefined;
  private state: ChatState | null = null;
  /** Set while the list is replaced: the rename box's blur on removal is not the user leaving it. */
  private rendering = false;

  constructor(private actions: SidebarActions) {
    this.el.addEventListener('keydown', ev => {
      if (ev.key === 'Escape' && !ev.defaultPrevented) {
        ev.preventDefault();
        this.actions.onClose();
      }
    });
  }

  render(state: ChatState): void {
    this.state = state;
    const place = focusPlace();
    const focused = place && this.el.contains(place.node) ? place : null;
    this.el.hidden = !this.shown;
    this.rendering = true;
    try {
      this.el.replaceChildren(
        renderChatList({
          chats: state.chats,
          current: state.chatId,
          running: state.running,
          search: this.search,
          onSearch: q => {
            this.search = q;
            this.rerender();
          },
          onNew: () => this.actions.onNew(),
          onSelect: id => this.actions.onSelect(id),
          renaming: this.renaming,
          onRenameStart: id => {
            this.renaming = { id, draft: state.chats.find(c => c.id === id)?.title ?? '' };
            this.rerender();
            const input = this.el.querySelector<HTMLInputElement>('[data-testid="chat-rename-input"]');
            input?.focus();
            input?.setSelectionRange(0, input.value.length);
          },
          onRenameDraft: text => {
            if (this.renaming) {
              this.renaming.draft = text;
            }
          },
          onRenameEnd: save => this.renameEnd(save),
          confirming: this.confirming,
          onDeleteAsk: id => this.askDelete(id),
          onDelete: id => {
            this.askDelete(null, false);
            this.actions.onDelete(id);
          },
          onClose: () => this.actions.onClose()
        })
      );
    } finally {
      this.rendering = false;
    }
    this.restoreFocus(focused?.tid, focused?.chat);
  }

  /** Focus the list's first control (when it opens). */
  focus(): void {
    const target =
      this.el.querySelector<HTMLElement>('[aria-current="true"]') ?? this.el.querySelector<HTMLElement>('[data-testid="sidebar-new-chat"]');
    target?.focus();
  }

  private restoreFocus(tid: string | undefined, chatId: string | undefined): void {
    if (!tid) {
      return;
    }
    const scope = chatId ? this.el.querySelector(`[data-chat-id="${CSS.escape(chatId)}"]`) : this.el;
    const el = scope?.querySelector<HTMLElement>(`[data-testid="${CSS.escape(tid)}"]`);
    if (el && document.activeElement !== el) {
      el.focus();
      if (el instanceof HTMLInputElement && tid === 'chat-search') {
        el.setSelectionRange(this.search.length, this.search.length);
      }
    }
  }

  private askDelete(id: string | null, rerender = true): void {
    window.clearTimeout(this.confirmTimer);
    this.confirming = id;
    if (id) {
      this.confirmTimer = window.setTimeout(() => this.askDelete(null), CONFIRM_MS);
    }
    if (rerender) {
      this.rerender();
    }
  }

  private rerender(): void {
    if (this.state) {
      this.render(this.state);
    }
  }

  private renameEnd(save: boolean): void {
    if (this.rendering || !this.renaming) {
      return; // the box was removed by a re-render, or the rename already ended
    }
    const r = this.renaming;
    this.renaming = null;
    const title = r.draft.trim();
    const chat = this.state?.chats.find(c => c.id === r.id);
    if (save && chat && title && title !== chat.title) {
      this.actions.onRename(chat.id, title); // the new title re-renders the list
    } else {
      this.rerender();
    }
    // keyboard users stay on the chat they renamed
    this.el.querySelector<HTMLElement>(`[data-chat-id="${CSS.escape(r.id)}"] [data-testid="chat-rename"]`)?.focus();
  }
}
