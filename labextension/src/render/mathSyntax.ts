/**
 * Where markdown has math (pure: no DOM): `$...$` and `\(...\)` inline, `$$...$$` and `\[...\]`
 * as blocks. A marked extension that writes a mark, `<code class="language-mcpchat-math-inline">`
 * (or `-display`) with the TeX as escaped text, so it passes the main policy like any code;
 * ./math.ts renders the marks after sanitising.
 */
import type { MarkedExtension, Tokens } from 'marked';
import { escapeHtml } from './highlight';

/** Class prefix of a math mark (`<code>`, text) that ./math.ts renders after sanitising. */
export const MATH_MARK = 'language-mcpchat-math-';
const MARK = MATH_MARK;

const BLOCK = /^(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n+|$)/;
// pandoc's rule: no space after the opening `$` nor before the closing one, no digit after it
const INLINE = /^(?:\$(?![\s$])((?:\\[\s\S]|[^\\$\n])+?)(?<![\s\\])\$(?!\d)|\\\(([\s\S]+?)\\\))/;

function mark(tex: string, display: boolean): string {
  return `<code class="${MARK}${display ? 'display' : 'inline'}">${escapeHtml(tex)}</code>`;
}

/** The marked extension that finds math (used by the one markdown parser, ../markdown.ts). */
export const mathExtension: MarkedExtension = {
  extensions: [
    {
      name: 'mathBlock',
      level: 'block',
      start: src => src.match(/\$\$|\\\[/)?.index,
      tokenizer(src: string) {
        const m = BLOCK.exec(src);
        return m ? { type: 'mathBlock', raw: m[0], text: (m[1] ?? m[2]).trim() } : undefined;
      },
      renderer: token => `<div>${mark((token as Tokens.Generic).text as string, true)}</div>\n`
    },
    {
      name: 'mathInline',
      level: 'inline',
      start: src => src.match(/\$|\\\(/)?.index,
      tokenizer(src: string) {
        const m = INLINE.exec(src);
        return m ? { type: 'mathInline', raw: m[0], text: (m[1] ?? m[2]).trim() } : undefined;
      },
      renderer: token => mark((token as Tokens.Generic).text as string, false)
    }
  ]
};

