import type { ChatInfo } from '../protocol';
import { h } from '../dom';

export interface ChatListProps {
  chats: readonly ChatInfo[];
  current: string | null;
  running: ReadonlySet<string>;
  search: string;
  onSearch(q: string): void;
  onNew(): void;
  onSelect(id: string): void;
  /** The chat being renamed and the title typed so far (survives re-renders). */
  renaming: { id: string; draft: string } | null;
  onRenameStart(id: string): void;
  onRenameDraft(text: string): void;
  onRenameEnd(save: boolean): void;
  onDelete(id: string): void;
}

function item(chat: ChatInfo, p: ChatListProps): HTMLElement {
  const title = h('span', { class: 'mcpchat-chat-title', 'data-testid': 'chat-item-title' }, chat.title);
  const rename = h('button', { class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'chat-rename', title: 'Rename' }, '✎');
  const del = h('button', { class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'chat-delete', title: 'Delete' }, '×');
  const row = h(
    'li',
    {
      class: `mcpchat-chat${chat.id === p.current ? ' mcpchat-current' : ''}`,
      'data-testid': 'chat-item',
      'data-chat-id': chat.id
    },
    p.running.has(chat.id) ? h('span', { class: 'mcpchat-dot mcpchat-dot-connecting', title: 'running' }) : null,
    chat.pending_approval ? h('span', { class: 'mcpchat-dot mcpchat-dot-pending', title: 'waiting for your approval' }) : null,
    title,
    rename,
    del
  );
  row.addEventListener('click', ev => {
    if ((ev.target as HTMLElement).closest('button, input')) {
      return;
    }
    p.onSelect(chat.id);
  });
  rename.addEventListener('click', () => p.onRenameStart(chat.id));
  if (p.renaming?.id === chat.id) {
    const input = h('input', {
      type: 'text',
      class: 'mcpchat-rename-input',
      'data-testid': 'chat-rename-input',
      value: p.renaming.draft
    });
    input.addEventListener('input', () => p.onRenameDraft(input.value));
    input.addEventListener('keydown', ev => {
      if (ev.key === 'Enter') {
        p.onRenameEnd(true);
      } else if (ev.key === 'Escape') {
        p.onRenameEnd(false);
      }
    });
    input.addEventListener('blur', () => {
      if (input.isConnected && document.hasFocus()) {
        p.onRenameEnd(true);
      }
    });
    title.replaceWith(input);
    window.setTimeout(() => {
      if (input.isConnected && document.activeElement !== input) {
        input.focus();
        input.setSelectionRange(input.value.length, input.value.length);
      }
    }, 0);
  }
  del.addEventListener('click', () => {
    if (del.dataset.confirm) {
      p.onDelete(chat.id);
      return;
    }
    del.dataset.confirm = '1';
    del.textContent = 'Delete?';
    del.classList.add('mcpchat-danger');
    window.setTimeout(() => {
      delete del.dataset.confirm;
      del.textContent = '×';
      del.classList.remove('mcpchat-danger');
    }, 4000);
  });
  return row;
}

/** The chat list: new chat, search, select, rename, delete. */
export function renderChatList(p: ChatListProps): HTMLElement {
  const search = h('input', { type: 'search', 'data-testid': 'chat-search', placeholder: 'Search chats', value: p.search });
  search.addEventListener('input', () => p.onSearch(search.value));
  const newBtn = h('button', { class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'sidebar-new-chat' }, '+ New chat');
  newBtn.addEventListener('click', () => p.onNew());
  const q = p.search.trim().toLowerCase();
  const shown = q ? p.chats.filter(c => c.title.toLowerCase().includes(q)) : p.chats;
  return h(
    'div',
    { class: 'mcpchat-chatlist' },
    newBtn,
    search,
    h(
      'ul',
      { 'data-testid': 'chat-list' },
      ...shown.map(c => item(c, p)),
      shown.length === 0 ? h('li', { class: 'mcpchat-empty' }, q ? 'No chat matches.' : 'No chats yet.') : null
    )
  );
}
