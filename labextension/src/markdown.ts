import { Marked, type Token } from 'marked';
import { h } from './dom';
import { codeBlockHtml } from './render/highlight';
import { renderMath } from './render/math';
import { mathExtension } from './render/mathSyntax';
import { untrustedFragment } from './render/untrusted';
import { KeyedChildren } from './ui/keyed';

/**
 * The one markdown parser of the panel and the widget (not the shared global one): task-list boxes
 * are text, not inputs; code blocks are highlighted (./render/highlight.ts); math is marked for
 * KaTeX (./render/math.ts).
 */
const markdown = new Marked(
  {
    gfm: true,
    breaks: false,
    renderer: {
      checkbox: (checked: boolean) => (checked ? '☑ ' : '☐ '),
      code: (code: string, infostring: string | undefined) => codeBlockHtml(code, infostring)
    }
  },
  mathExtension
);

/** Actions a code block offers besides copying (e.g. insert into a notebook cell). */
export interface CodeActions {
  insertCode?: (code: string, language: string) => boolean | void;
}

/**
 * Markdown a model (or an MCP server) wrote, as a sanitised fragment: marked passes raw HTML
 * through, so the result goes through the strict policy of `render/untrusted.ts`.
 */
export function markdownFragment(text: string): DocumentFragment {
  const frag = untrustedFragment(markdown.parse(text, { async: false }) as string);
  renderMath(frag);
  return frag;
}

export async function copyText(text: string): Promise<void> {
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

/** A button that copies `text()` and says so for a moment. */
export function copyButton(attrs: Record<string, string>, label: string, text: () => string): HTMLButtonElement {
  const btn = h('button', { type: 'button', ...attrs }, label);
  btn.addEventListener('click', () => {
    void copyText(text()).then(() => {
      btn.textContent = 'Copied';
      window.setTimeout(() => (btn.textContent = label), 1500);
    });
  });
  return btn;
}

/** The toolbar (language, Copy, Insert) on every code block of `root`. */
function decorateCode(root: ParentNode, actions: CodeActions): void {
  for (const pre of Array.from(root.querySelectorAll('pre'))) {
    const code = pre.querySelector('code');
    const source = (code ?? pre).textContent ?? '';
    const language = /language-(\S+)/.exec(code?.className ?? '')?.[1] ?? '';
    const copy = copyButton({ class: 'mcpchat-code-btn', 'data-testid': 'code-copy', title: 'Copy code' }, 'Copy', () => source);
    const bar = h('div', { class: 'mcpchat-code-bar' }, h('span', { class: 'mcpchat-code-lang' }, language), copy);
    if (actions.insertCode) {
      const insert = h(
        'button',
        { type: 'button', class: 'mcpchat-code-btn', 'data-testid': 'code-insert', title: 'Insert into a new notebook cell below the active one' },
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

/** Render untrusted markdown into `el` (all at once), with a toolbar on every code block. */
export function renderMarkdown(el: HTMLElement, text: string, actions: CodeActions = {}): void {
  el.replaceChildren(markdownFragment(text));
  decorateCode(el, actions);
}

/** The top-level blocks of a markdown text (blank space dropped), and the reference links it defines. */
export function markdownBlocks(text: string): { blocks: Token[]; links: string } {
  const tokens = markdown.lexer(text);
  return { blocks: tokens.filter(t => t.type !== 'space'), links: Object.keys(tokens.links).join('\n') };
}

/**
 * Markdown shown in `el`, rendered block by block: when the text grows (a streaming reply) only
 * the blocks whose source changed are parsed and sanitised again; the others keep their nodes (and
 * any text selection in them). Each block goes through `untrustedFragment` on its own.
 */
export class MarkdownView {
  private blocks: KeyedChildren;
  private text: string | null = null;

  constructor(
    readonly el: HTMLElement,
    private actions: CodeActions = {}
  ) {
    this.blocks = new KeyedChildren(el);
  }

  update(text: string): void {
    if (text === this.text) {
      return;
    }
    this.text = text;
    const { blocks, links } = markdownBlocks(text);
    this.blocks.update(
      blocks.map((token, i) => ({
        key: String(i),
        deps: [token.raw, links],
        render: () => {
          const div = h('div', { class: 'mcpchat-md-block' });
          div.append(untrustedFragment(markdown.parser([token]) as string));
          renderMath(div);
          decorateCode(div, this.actions);
          return div;
        }
      }))
    );
  }
}
