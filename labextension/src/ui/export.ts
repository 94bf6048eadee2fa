/**
 * Export buttons: the open chat as a notebook, as Markdown, or its approval audit as JSON. The
 * server renders the file (`chats.export`); the browser saves it from a Blob made here (no URL
 * from the server is ever followed).
 */
import type { ChatClient } from '../client';
import { h } from '../dom';
import type { ExportFormat } from '../protocol';

const FORMATS: [ExportFormat, string, string][] = [
  ['ipynb', 'Notebook', 'Export this chat as a notebook (.ipynb)'],
  ['md', 'Markdown', 'Export this chat as Markdown (.md)'],
  ['audit', 'Audit', 'Export the approval audit of this chat (JSON)']
];

export async function downloadExport(client: ChatClient, chatId: string, format: ExportFormat): Promise<string> {
  const file = await client.call('chats.export', { chat_id: chatId, format });
  const blob = new Blob([file.content], { type: file.media_type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a'); // (h() keeps only http(s) URLs: this one is our own blob)
  a.href = url;
  a.download = file.filename;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return file.filename;
}

export function exportButtons(onExport: (format: ExportFormat) => void, disabled: boolean): HTMLElement {
  return h(
    'span',
    { class: 'mcpchat-export', 'data-testid': 'export' },
    h('span', { class: 'mcpchat-export-label' }, 'Export:'),
    ...FORMATS.map(([format, label, title]) =>
      h(
        'button',
        {
          type: 'button',
          class: 'mcpchat-btn mcpchat-small',
          'data-testid': `export-${format}`,
          title,
          disabled,
          onclick: () => onExport(format)
        },
        label
      )
    )
  );
}
