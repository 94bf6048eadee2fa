/** anywidget entry of the notebook ChatWidget (bundled by esbuild into mcpchat_ext/widget/static/widget.js). */
import baseCss from '../style/base.css';
import branchesCss from '../style/branches.css';
import contextCss from '../style/context.css';
import mcpCss from '../style/mcp.css';
import modelsCss from '../style/models.css';
import serverRequestsCss from '../style/serverRequests.css';
import transcriptCss from '../style/transcript.css';
import { AutoTransport, serverSocketUrl } from './autoTransport';
import { ChatClient } from './client';
import { ChatApp } from './ui/app';
import { CustomMessageModel, WidgetTransport } from './widgetTransport';
import { WebSocketTransport } from './wsTransport';

interface WidgetModel extends CustomMessageModel {
  get(name: string): any;
  set(name: string, value: unknown): void;
  save_changes(): void;
}

const STYLE_ID = 'mcpchat-widget-style';

function injectStyle(): void {
  if (!document.getElementById(STYLE_ID)) {
    const style = document.createElement('style');
    style.id = STYLE_ID;
    style.textContent = [baseCss, transcriptCss, mcpCss, branchesCss, modelsCss, contextCss, serverRequestsCss].join('\n');
    document.head.append(style);
  }
}

/** The CSS height of the widget: a length (e.g. "640px", "40em", "60vh"), else the default. */
export function widgetHeight(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  return /^\d+(\.\d+)?(px|em|rem|vh)$/.test(text) ? text : '520px';
}

function render({ model, el }: { model: WidgetModel; el: HTMLElement }): () => void {
  injectStyle();
  // a fixed height (and never more): the chat scrolls inside it, the notebook does not grow. On a
  // box of our own: `el` is the ipywidgets view's node, whose Layout view rewrites its inline
  // style when the layout model syncs (after a reload it removed the height: the widget grew to
  // the whole transcript)
  const box = document.createElement('div');
  box.className = 'mcpchat-widget';
  const kernel = new WidgetTransport(model);
  // inside JupyterLab the widget talks to the server's engine, like the side panel (live in both)
  const url = model.get('transport') === 'kernel' ? null : serverSocketUrl();
  const transport = new AutoTransport({
    server: url ? new WebSocketTransport({ url }) : null,
    kernel,
    user: String(model.get('user') ?? ''),
    onMode: (mode, why) => {
      box.dataset.transport = mode; // which engine serves the widget, and why (for support)
      box.dataset.transportWhy = why;
    }
  });
  const client = new ChatClient(transport);
  const app = new ChatApp({
    client,
    initialChatId: model.get('chat_id') ?? null,
    onChatSelected: id => {
      model.set('chat_id', id);
      model.save_changes();
    }
  });
  const setHeight = () => {
    const height = widgetHeight(model.get('height'));
    box.style.height = height;
    box.style.maxHeight = height;
  };
  setHeight();
  model.on('change:height', setHeight);
  const onChatId = () => {
    const id = model.get('chat_id');
    if (id && id !== app.currentChatId) {
      void app.selectChat(id);
    }
  };
  model.on('change:chat_id', onChatId);
  box.append(app.node);
  el.append(box);
  return () => {
    model.off('change:height', setHeight);
    model.off('change:chat_id', onChatId);
    client.dispose();
    box.remove();
  };
}

export default { render };
