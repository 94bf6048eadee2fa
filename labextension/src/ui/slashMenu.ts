/**
 * The composer's slash menu: typing `/` lists the prompts of the open chat's ready servers
 * (model/slashCommands.ts decides what matches); arrows move, Enter or Tab picks, Escape closes.
 * A prompt with arguments asks for them in the schema form first; the filled prompt's text goes
 * into the composer, where the user reads it before sending. The servers' names, titles and
 * descriptions are shown as text.
 */
import type { PromptInfo, PromptMessage } from '../protocol';
import { h } from '../dom';
import { SlashCommand, matchCommands, missingArguments, moveSelection, promptSchema, promptText, slashCommands, slashQuery } from '../model/slashCommands';
import { buildArgsForm } from './schemaForm';
import { userIsActing, watchUserActions } from './userActed';

export interface SlashSource {
  /** The open chat's ready servers. */
  servers(): string[];
  prompts(server: string): Promise<PromptInfo[]>;
  prompt(server: string, name: string, args: Record<string, string>): Promise<PromptMessage[]>;
}

export class SlashMenu {
  readonly node = h('div', { class: 'mcpchat-slash', 'data-testid': 'slash-menu', hidden: true });
  private commands: SlashCommand[] = [];
  private shown: SlashCommand[] = [];
  private selected = -1;
  private loaded = '';
  private listId = `mcpchat-slash-${Math.random().toString(36).slice(2, 9)}`;

  constructor(
    private input: HTMLTextAreaElement,
    private source: SlashSource
  ) {
    input.addEventListener('input', () => void this.update());
    // a click or a key elsewhere closes the list; focus the page moves on its own (JupyterLab
    // activating its main area once it has restored) does not close what the user is typing
    watchUserActions(input.ownerDocument);
    input.addEventListener('blur', () => {
      if (userIsActing(input.ownerDocument)) {
        // (not when the focus is back in the composer by then: the list it shows is current)
        setTimeout(() => this.node.contains(document.activeElement) || document.activeElement === input || this.closeList(), 150);
      }
    });
    // (capture: before the composer's own Enter, which sends)
    input.addEventListener('keydown', ev => this.onKey(ev), { capture: true });
  }

  get open(): boolean {
    return !this.node.hidden;
  }

  /** The open menu again for the servers now ready (one that became ready after `/` was typed). */
  refresh(): void {
    if (this.open && this.loaded !== this.source.servers().join('\n')) {
      void this.update();
    }
  }

  private async update(): Promise<void> {
    const query = slashQuery(this.input.value, this.input.selectionStart ?? this.input.value.length);
    if (query === null) {
      this.closeList();
      return;
    }
    const servers = this.source.servers();
    if (this.loaded !== servers.join('\n')) {
      this.loaded = servers.join('\n');
      const lists = await Promise.all(servers.map(s => this.source.prompts(s).then(prompts => ({ server: s, prompts }), () => ({ server: s, prompts: [] }))));
      this.commands = slashCommands(lists);
    }
    this.shown = matchCommands(this.commands, query);
    this.selected = this.shown.length ? 0 : -1;
    this.renderList();
  }

  private onKey(ev: KeyboardEvent): void {
    if (!this.open || ev.isComposing) {
      return;
    }
    if (ev.key === 'Escape') {
      this.closeList();
    } else if ((ev.key === 'ArrowDown' || ev.key === 'ArrowUp') && this.shown.length) {
      this.selected = moveSelection(this.selected, this.shown.length, ev.key);
      this.renderList();
    } else if ((ev.key === 'Enter' || ev.key === 'Tab') && !ev.shiftKey && this.selected >= 0 && this.shown.length) {
      this.pick(this.shown[this.selected]);
    } else {
      return;
    }
    ev.preventDefault();
    ev.stopImmediatePropagation();
  }

  private closeList(): void {
    if (this.node.querySelector('form, .mcpchat-slash-form')) {
      return; // a form is open: Cancel closes it
    }
    this.close();
  }

  private close(): void {
    this.node.hidden = true;
    this.node.replaceChildren();
    this.input.removeAttribute('aria-activedescendant');
    this.input.setAttribute('aria-expanded', 'false');
  }

  private renderList(): void {
    this.node.hidden = false;
    this.input.setAttribute('aria-expanded', 'true');
    this.input.setAttribute('aria-controls', this.listId);
    if (!this.shown.length) {
      this.node.replaceChildren(h('div', { class: 'mcpchat-empty', 'data-testid': 'slash-empty' }, this.commands.length ? 'No prompt matches.' : "The chat's servers offer no prompts."));
      return;
    }
    const items = this.shown.map((c, i) =>
      h(
        'li',
        {
          id: `${this.listId}-${i}`,
          role: 'option',
          class: 'mcpchat-slash-item',
          'data-testid': 'slash-item',
          'aria-selected': i === this.selected ? 'true' : 'false',
          onmousedown: (ev: Event) => ev.preventDefault(), // keep the composer's focus
          onclick: () => this.pick(c)
        },
        h('code', {}, `/${c.command}`),
        c.prompt.title ? h('span', { class: 'mcpchat-slash-title' }, ` ${c.prompt.title}`) : null,
        c.prompt.description ? h('div', { class: 'mcpchat-slash-desc' }, c.prompt.description.split('\n')[0]) : null
      )
    );
    this.node.replaceChildren(h('ul', { role: 'listbox', id: this.listId, 'aria-label': 'Prompts' }, ...items));
    if (this.selected >= 0) {
      this.input.setAttribute('aria-activedescendant', `${this.listId}-${this.selected}`);
      items[this.selected].scrollIntoView?.({ block: 'nearest' });
    }
  }

  private pick(c: SlashCommand): void {
    if (!c.prompt.arguments.length) {
      void this.fill(c, {}, null);
      return;
    }
    const form = buildArgsForm(promptSchema(c.prompt), {});
    const error = h('div', { class: 'mcpchat-form-error', role: 'alert' });
    const use = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'slash-use' }, 'Use');
    use.addEventListener('click', () => {
      let args: Record<string, string>;
      try {
        args = Object.fromEntries(Object.entries(form.read()).map(([k, v]) => [k, String(v)]));
      } catch (err) {
        error.textContent = (err as Error).message;
        return;
      }
      const missing = missingArguments(c.prompt, args);
      if (missing.length) {
        error.textContent = `required: ${missing.join(', ')}`;
        return;
      }
      void this.fill(c, args, error);
    });
    const cancel = h('button', { type: 'button', class: 'mcpchat-btn', 'data-testid': 'slash-cancel', onclick: () => (this.close(), this.input.focus()) }, 'Cancel');
    this.node.hidden = false;
    this.node.replaceChildren(h('div', { class: 'mcpchat-slash-form', 'data-testid': 'slash-form' }, h('code', {}, `/${c.command}`), form.el, h('div', {}, use, cancel), error));
    this.node.querySelector<HTMLElement>('input, textarea, select')?.focus();
  }

  private async fill(c: SlashCommand, args: Record<string, string>, error: HTMLElement | null): Promise<void> {
    try {
      const messages = await this.source.prompt(c.server, c.prompt.name, args);
      this.close();
      this.input.value = promptText(messages);
      this.input.focus();
    } catch (err) {
      const text = `/${c.command} failed: ${(err as Error).message}`;
      if (error) {
        error.textContent = text;
      } else {
        this.node.replaceChildren(h('div', { class: 'mcpchat-form-error', role: 'alert' }, text));
      }
    }
  }
}
