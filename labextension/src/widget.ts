/** anywidget entry of the notebook ChatWidget (bundled by esbuild into mcpchat_ext/widget/static/widget.js). */
import css from '../style/base.css';
import { ChatClient } from './client';
import { ChatApp } from './ui/app';
import { CustomMessageModel, WidgetTransport } from './widgetTransport';

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
    style.textContent = css;
    document.head.append(style);
  }
}

function render({ model, el }: { model: WidgetModel; el: HTMLElement }): () => void {
  injectStyle();
  const transport = new WidgetTransport(model);
  const client = new ChatClient(transport);
  const app = new ChatApp({
    client,
    initialChatId: model.get('chat_id') ?? null,
    onChatSelected: id => {
      model.set('chat_id', id);
      model.save_changes();
    }
  });
  el.classList.add('mcpchat-widget');
  const setHeight = () => (el.style.height = String(model.get('height') || '520px'));
  setHeight();
  model.on('change:height', setHeight);
  const onChatId = () => {
    const id = model.get('chat_id');
    if (id && id !== app.currentChatId) {
      void app.selectChat(id);
    }
  };
  model.on('change:chat_id', onChatId);
  el.append(app.node);
  transport.hello();
  return () => {
    model.off('change:height', setHeight);
    model.off('change:chat_id', onChatId);
    client.dispose();
    app.node.remove();
  };
}

export default { render };
