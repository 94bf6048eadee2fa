/**
 * One-click context for a message: the tray above the chat input (buttons that attach the active
 * notebook, the selected cells, ... from `ContextSources`; chips of what is attached, each
 * removable), and the chips of a sent message from its recorded metadata. The attachments' text
 * goes to the server with the message; chips show only their labels, as text.
 */

import type { Attachment, ChatMessage } from '../protocol';
import { h } from '../dom';

/** What the host can attach (the JupyterLab plugin gives these; the notebook widget none). */
export interface ContextSources {
  notebook?: () => Promise<Attachment | null>;
  cells?: () => Promise<Attachment | null>;
  error?: () => Promise<Attachment | null>;
}

interface Recorded {
  kind: string;
  label: string;
  chars?: number;
  truncated?: boolean;
  server?: string;
  uri?: string;
}

function recorded(msg: ChatMessage): Recorded[] {
  const list = msg.metadata?.attachments;
  return Array.isArray(list) ? (list.filter(a => a && typeof a.label === 'string') as Recorded[]) : [];
}

/** The text the user typed (the model's copy also carries the attachments' text). */
export function typedText(msg: ChatMessage): string {
  const n = msg.metadata?.typed_chars;
  return typeof n === 'number' && recorded(msg).length ? msg.content.slice(0, n) : msg.content;
}

function chip(kind: string, label: string, title?: string, onRemove?: () => void, source?: { server?: string; uri?: string }): HTMLElement {
  return h(
    'span',
    {
      class: `mcpchat-chip mcpchat-chip-${kind.replace(/[^a-z]/g, '')}`,
      'data-testid': 'attachment-chip',
      'data-server': source?.server,
      'data-uri': source?.uri,
      title: title ?? label
    },
    h('span', { class: 'mcpchat-chip-kind' }, kind),
    ` ${label}`,
    onRemove ? h('button', { type: 'button', class: 'mcpchat-chip-remove', 'aria-label': `Remove ${label}`, onclick: onRemove }, '×') : null
  );
}

/** The chips of a sent message (null: none). */
export function messageChips(msg: ChatMessage): HTMLElement | null {
  const list = recorded(msg);
  if (!list.length) {
    return null;
  }
  return h(
    'div',
    { class: 'mcpchat-chips', 'data-testid': 'message-attachments' },
    ...list.map(a => chip(String(a.kind), a.label, `${a.uri ?? a.label} (${a.chars ?? '?'} characters${a.truncated ? ', cut to fit' : ''})`, undefined, a))
  );
}

const BUTTONS: { key: keyof ContextSources; label: string; title: string }[] = [
  { key: 'notebook', label: '+ notebook', title: 'Attach the active notebook (cells and outputs)' },
  { key: 'cells', label: '+ cells', title: 'Attach the selected cells of the active notebook' },
  { key: 'error', label: '+ error', title: "Attach the active cell's error output" }
];

export class AttachmentTray {
  readonly node: HTMLElement;
  private items: Attachment[] = [];
  private chips = h('span', { class: 'mcpchat-chips' });
  private note = h('span', { class: 'mcpchat-note', role: 'status' });

  constructor(private sources: ContextSources) {
    const buttons = BUTTONS.filter(b => sources[b.key]).map(b =>
      h('button', { type: 'button', class: 'mcpchat-btn mcpchat-attach', 'data-testid': `attach-${b.key}`, title: b.title, onclick: () => void this.attach(b.key) }, b.label)
    );
    this.node = h('div', { class: 'mcpchat-attach-tray', 'data-testid': 'attach-tray' }, ...buttons, this.chips, this.note);
    this.hasButtons = buttons.length > 0;
    this.render();
  }

  private hasButtons: boolean;

  /** A resource attached earlier in the chat changed on its server: say so on its chips. */
  resourceUpdated(root: HTMLElement, server: string, uri: string): void {
    for (const el of root.querySelectorAll<HTMLElement>('[data-testid="attachment-chip"][data-uri]')) {
      if (el.dataset.server === server && el.dataset.uri === uri && !el.querySelector('.mcpchat-chip-updated')) {
        el.append(h('span', { class: 'mcpchat-chip-updated', 'data-testid': 'chip-updated' }, ' updated'));
      }
    }
    this.note.textContent = `${uri} changed on ${server}: your next message sends its new content`;
    this.render();
  }

  get count(): number {
    return this.items.length;
  }

  add(item: Attachment): void {
    this.items.push(item);
    this.render();
  }

  /** What goes with the message being sent. */
  get current(): Attachment[] {
    return [...this.items];
  }

  /** Empty the tray (once the message was sent). */
  clear(): void {
    this.items = [];
    this.note.textContent = '';
    this.render();
  }

  private async attach(key: keyof ContextSources): Promise<void> {
    this.note.textContent = '';
    try {
      const item = await this.sources[key]?.();
      if (item) {
        this.add(item);
      } else {
        this.note.textContent = key === 'error' ? 'no error output in the active cell' : 'no active notebook';
      }
    } catch (err) {
      this.note.textContent = `could not attach: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  private render(): void {
    this.chips.replaceChildren(
      ...this.items.map((a, i) =>
        chip(
          a.kind,
          a.label,
          a.uri ?? undefined,
          () => {
            this.items.splice(i, 1);
            this.render();
          },
          { server: a.server ?? undefined, uri: a.uri ?? undefined }
        )
      )
    );
    // (the notebook widget has no buttons: the tray shows only when something is in it)
    this.node.hidden = !this.hasButtons && !this.items.length && !this.note.textContent;
  }
}
