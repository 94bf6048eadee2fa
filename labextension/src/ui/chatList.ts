import type { ChatInfo } from '../protocol';
import { h } from '../dom';
import { userIsActing, watchUserActions } from './userActed';

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
  /** The chat whose delete button asks "Delete?" (survives re-renders). */
  confirming: string | null;
  onDeleteAsk(id: string | null): void;
  onDelete(id: string): void;
  /** Hide the list (the close button; shown when the list covers the chat, on narrow panels). */
  onClose(): void;
}

function renameInput(p: ChatListProps, chat: ChatInfo): HTMLInputElement {
  const input = h('input', {
    type: 'text',
    class: 'mcpchat-rename-input',
    'data-testid': 'chat-rename-input',
    'aria-label': `New title for the chat “${chat.title}” (Enter saves, Escape cancels)`,
    value: p.renaming!.draft
  });
  input.addEventListener('input', () => p.onRenameDraft(input.value));
  input.addEventListener('keydown', ev => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      p.onRenameEnd(true);
    } else if (ev.key === 'Escape') {
      ev.preventDefault();
      ev.stopPropagation(); // cancels the rename, does not close the list
      p.onRenameEnd(false);
    }
  });
  // leaving the box (a click elsewhere, Tab) saves; the sidebar ignores the blur a re-render
  // causes (see Sidebar), and a focus the page moves on its own keeps the box and its draft
  watchUserActions(document);
  input.addEventListener('blur', () => {
    if (document.hasFocus() && userIsActing(document)) {
      p.onRenameEnd(true);
    }
  });
  return input;
}

function item(chat: ChatInfo, p: ChatListProps): HTMLElement {
  const current = chat.id === p.current;
  const open = h(
    'button',
    {
      type: 'button',
      class: 'mcpchat-chat-title',
      'data-testid': 'chat-item-title',
      'aria-current': current ? 'true' : undefined,
      title: chat.title
    },
    chat.title
  );
  open.addEventListener('click', () => p.onSelect(chat.id));
  const rename = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-icon', 'data-testid': 'chat-rename', title: 'Rename', 'aria-label': `Rename the chat “${chat.title}”` },
    '✎'
  );
  rename.addEventListener('click', () => p.onRenameStart(chat.id));
  const confirming = p.confirming === chat.id;
  const del = h(
    'button',
    {
      type: 'button',
      class: `mcpchat-btn mcpchat-icon${confirming ? ' mcpchat-danger' : ''}`,
      'data-testid': 'chat-delete',
      'data-confirm': confirming ? '1' : undefined,
      title: confirming ? 'Click again to delete this chat' : 'Delete',
      'aria-label': confirming ? `Really delete the chat “${chat.title}”? Press again to delete` : `Delete the chat “${chat.title}”`
    },
    confirming ? 'Delete?' : '×'
  );
  del.addEventListener('click', () => (confirming ? p.onDelete(chat.id) : p.onDeleteAsk(chat.id)));
  del.addEventListener('keydown', ev => {
    if (ev.key === 'Escape' && confirming) {
      ev.stopPropagation();
      p.onDeleteAsk(null);
    }
  });
  const row = h(
    'li',
    {
      class: `mcpchat-chat${current ? ' mcpchat-current' : ''}`,
      'data-testid': 'chat-item',
      'data-chat-id': chat.id
    },
    p.running.has(chat.id) ? h('span', { class: 'mcpchat-dot mcpchat-dot-connecting', title: 'running', role: 'img', 'aria-label': 'running' }) : null,
    chat.pending_approval
      ? h('span', { class: 'mcpchat-dot mcpchat-dot-pending', title: 'waiting for your approval', role: 'img', 'aria-label': 'waiting for your approval' })
      : null,
    p.renaming?.id === chat.id ? renameInput(p, chat) : open,
    rename,
    del
  );
  return row;
}

/** The chat list: new chat, search, select, rename, delete. */
export function renderChatList(p: ChatListProps): HTMLElement {
  const search = h('input', {
    type: 'search',
    'data-testid': 'chat-search',
    'aria-label': 'Search chats by title',
    placeholder: 'Search chats',
    value: p.search
  });
  search.addEventListener('input', () => p.onSearch(search.value));
  const newBtn = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'sidebar-new-chat' }, '+ New chat');
  newBtn.addEventListener('click', () => p.onNew());
  const close = h(
    'button',
    { type: 'button', class: 'mcpchat-btn mcpchat-icon mcpchat-sidebar-close', 'data-testid': 'close-chats', title: 'Hide chats', 'aria-label': 'Hide the chat list' },
    '×'
  );
  close.addEventListener('click', () => p.onClose());
  const q = p.search.trim().toLowerCase();
  const shown = q ? p.chats.filter(c => c.title.toLowerCase().includes(q)) : p.chats;
  return h(
    'div',
    { class: 'mcpchat-chatlist' },
    h('div', { class: 'mcpchat-chatlist-head' }, newBtn, close),
    search,
    h(
      'ul',
      { 'data-testid': 'chat-list', 'aria-label': 'Chats' },
      ...shown.map(c => item(c, p)),
      shown.length === 0 ? h('li', { class: 'mcpchat-empty' }, q ? 'No chat matches.' : 'No chats yet.') : null
    )
  );
}
