import { Marked } from 'marked';
import { h } from './dom';
import { untrustedFragment } from './render/untrusted';

/** Our own markdown parser (not the shared global one); task-list boxes are text, not inputs. */
const markdown = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    checkbox: (checked: boolean) => (checked ? '☑ ' : '☐ ')
  }
});

/** Actions a code block offers besides copying (e.g. insert into a notebook cell). */
export interface CodeActions {
  insertCode?: (code: string, language: string) => boolean | void;
}

/**
 * Markdown a model (or an MCP server) wrote, as a sanitised fragment: marked passes raw HTML
 * through, so the result goes through the strict policy of `render/untrusted.ts`.
 */
export function markdownFragment(text: string): DocumentFragment {
  return untrustedFragment(markdown.parse(text, { async: false }) as string);
}

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    const area = h('textarea', { style: 'position:fixed;opacity:0' });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** Render untrusted markdown into `el`, with a toolbar on every code block. */
export function renderMarkdown(el: HTMLElement, text: string, actions: CodeActions = {}): void {
  el.replaceChildren(markdownFragment(text));
  for (const pre of Array.from(el.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    const source = (code ?? pre).textContent ?? '';
    const language = /language-(\S+)/.exec(code?.className ?? '')?.[1] ?? '';
    const copy = h('button', { class: 'mcpchat-code-btn', 'data-testid': 'code-copy', title: 'Copy code' }, 'Copy');
    copy.addEventListener('click', () => {
      void copyText(source).then(() => {
        copy.textContent = 'Copied';
        window.setTimeout(() => (copy.textContent = 'Copy'), 1500);
      });
    });
    const bar = h('div', { class: 'mcpchat-code-bar' }, h('span', { class: 'mcpchat-code-lang' }, language), copy);
    if (actions.insertCode) {
      const insert = h(
        'button',
        { class: 'mcpchat-code-btn', 'data-testid': 'code-insert', title: 'Insert into a new notebook cell below the active one' },
        'Insert into notebook'
      );
      insert.addEventListener('click', () => {
        const ok = actions.insertCode!(source, language);
        insert.textContent = ok === false ? 'No notebook open' : 'Inserted';
        window.setTimeout(() => (insert.textContent = 'Insert into notebook'), 1500);
      });
      bar.append(insert);
    }
    const wrap = h('div', { class: 'mcpchat-code' });
    pre.replaceWith(wrap);
    wrap.append(bar, pre);
  }
}
