/**
 * The bar under the chat header: the open chat's model (a picker over the models the server
 * offers; switching mid-chat applies to the next reply), the chat's token totals, cost and a
 * context gauge against the model's context window, and the export buttons.
 *
 * Self-contained: it reads the {@link ChatStore} and asks the server itself (`settings.get`,
 * `chats.update`, `chats.export`); the chat list's `chats_changed` frame brings a changed choice
 * back into the store. Model labels and notes are server text: set as text, never as HTML.
 */
import type { ChatClient } from '../client';
import { clear, h } from '../dom';
import { ChatState, currentChat } from '../model/state';
import type { ChatStore } from '../model/store';
import { chatModel, chatTotals, contextFill, formatCost, formatTokens } from '../model/usage';
import type { ExportFormat, ModelInfo } from '../protocol';
import { downloadExport, exportButtons } from './export';

export class ModelBar {
  readonly el = h('div', { class: 'mcpchat-model-bar', 'data-testid': 'model-bar' });
  private models: ModelInfo[] = [];
  private loaded = false;
  private status = '';
  private busy = false;

  constructor(
    private client: ChatClient,
    private store: ChatStore
  ) {
    store.onChange((next, prev, kind) => {
      if (next.welcomed && !prev.welcomed) {
        this.loaded = false;
      }
      if (kind !== 'token') {
        this.render();
      }
    });
    this.render();
  }

  private get state(): ChatState {
    return this.store.state;
  }

  private async loadModels(): Promise<void> {
    this.loaded = true;
    try {
      this.models = (await this.client.call('settings.get', {})).models;
    } catch {
      this.loaded = false;
      return;
    }
    this.render();
  }

  private async pick(chatId: string, model: string): Promise<void> {
    this.busy = true;
    this.status = '';
    try {
      await this.client.call('chats.update', { chat_id: chatId, model });
      this.status = 'The next reply uses this model.';
    } catch (err) {
      this.status = `Could not switch the model: ${(err as Error).message}`;
    }
    this.busy = false;
    this.render();
  }

  private async export(chatId: string, format: ExportFormat): Promise<void> {
    try {
      this.status = `Saved ${await downloadExport(this.client, chatId, format)}`;
    } catch (err) {
      this.status = `Export failed: ${(err as Error).message}`;
    }
    this.render();
  }

  render(): void {
    const s = this.state;
    if (s.welcomed && !this.loaded) {
      void this.loadModels();
    }
    clear(this.el);
    const chat = currentChat(s);
    this.el.hidden = !chat;
    if (!chat) {
      return;
    }
    const model = chatModel(this.models, chat.model, s.model);
    const select = h('select', {
      class: 'mcpchat-model-select',
      'data-testid': 'model-picker',
      'aria-label': 'Model of this chat',
      disabled: this.busy || this.models.length < 2
    });
    for (const m of this.models.length ? this.models : s.model ? [s.model] : []) {
      const option = h('option', { value: m.id }, m.label);
      option.selected = m.id === model?.id;
      select.append(option);
    }
    select.addEventListener('change', () => void this.pick(chat.id, select.value));
    const totals = chatTotals(s.messages, s.usage);
    const fill = contextFill(totals, model);
    const usage = h(
      'span',
      { class: 'mcpchat-usage', 'data-testid': 'chat-usage' },
      totals.replies
        ? `${formatTokens(totals.input)} in · ${formatTokens(totals.output)} out` +
            (totals.cost !== null ? ` · ${formatCost(totals.cost)}` : '')
        : 'no usage yet'
    );
    const gauge =
      fill === null
        ? null
        : h(
            'span',
            {
              class: `mcpchat-gauge${fill > 0.8 ? ' mcpchat-gauge-full' : ''}`,
              'data-testid': 'context-gauge',
              role: 'meter',
              'aria-valuemin': 0,
              'aria-valuemax': model?.context_window ?? 0,
              'aria-valuenow': totals.context,
              title: `Context: ${totals.context} of ${model?.context_window} tokens`
            },
            h('span', { class: 'mcpchat-gauge-fill', style: `width: ${Math.round(fill * 100)}%` }),
            h('span', { class: 'mcpchat-gauge-text' }, `${Math.round(fill * 100)}%`)
          );
    this.el.append(
      select,
      usage,
      ...(gauge ? [gauge] : []),
      exportButtons(format => void this.export(chat.id, format), s.connection !== 'open'),
      ...(chat.model_note ? [h('div', { class: 'mcpchat-model-note', 'data-testid': 'model-note', role: 'status' }, chat.model_note)] : []),
      ...(this.status ? [h('div', { class: 'mcpchat-model-status', 'data-testid': 'model-status' }, this.status)] : [])
    );
  }
}
