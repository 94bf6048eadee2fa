import { h } from '../dom';
import type { ChatState } from '../model/state';
import { renderChatList } from './chatList';

export interface SidebarActions {
  onNew(): void;
  onSelect(chatId: string): void;
  /** Save a new title (it differs from the chat's). */
  onRename(chatId: string, title: string): void;
  onDelete(chatId: string): void;
}

/** The chat list and its own view state (search text, the title being typed in a rename). */
export class Sidebar {
  readonly el = h('aside', { class: 'mcpchat-sidebar', 'data-testid': 'chat-sidebar' });
  shown = false;
  private search = '';
  private renaming: { id: string; draft: string } | null = null;
  private state: ChatState | null = null;

  constructor(private actions: SidebarActions) {}

  render(state: ChatState): void {
    this.state = state;
    const active = document.activeElement;
    const searching = !!active && this.el.contains(active) && active.matches('[data-testid="chat-search"]');
    this.el.hidden = !this.shown;
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
        },
        onRenameDraft: text => {
          if (this.renaming) {
            this.renaming.draft = text;
          }
        },
        onRenameEnd: save => this.renameEnd(save),
        onDelete: id => this.actions.onDelete(id)
      })
    );
    if (searching) {
      // keep typing in the search box across re-renders
      const box = this.el.querySelector<HTMLInputElement>('[data-testid="chat-search"]');
      box?.focus();
      box?.setSelectionRange(this.search.length, this.search.length);
    }
  }

  private rerender(): void {
    if (this.state) {
      this.render(this.state);
    }
  }

  private renameEnd(save: boolean): void {
    const r = this.renaming;
    this.renaming = null;
    const title = r?.draft.trim();
    const chat = r && this.state?.chats.find(c => c.id === r.id);
    if (save && chat && title && title !== chat.title) {
      this.actions.onRename(chat.id, title); // the new title re-renders the list
    } else {
      this.rerender();
    }
  }
}
