/**
 * LaTeX in markdown: `$...$`, `\(...\)` inline and `$$...$$`, `\[...\]` as blocks. The markdown
 * parser marks math as `<code class="language-mcpchat-math-inline|display">TeX</code>` (text, so it
 * passes the main policy like any code); after sanitising, `renderMath` replaces each mark with
 * KaTeX's MathML output (`output: "mathml"`: no inline styles needed; `trust: false`: no `\href`,
 * `\url`, `\includegraphics`), itself sanitised by the MathML policy of ./untrusted.ts. A formula
 * KaTeX cannot parse, or one too long, stays shown as its TeX source.
 */
import katex from 'katex';
import { MATH_MARK as MARK } from './mathSyntax';
import { untrustedMath } from './untrusted';

/** Longer TeX is shown as source, not rendered. */
export const MAX_TEX = 4000;

/** KaTeX's MathML for `tex`, or null when it cannot render it. */
export function mathml(tex: string, display: boolean): string | null {
  if (tex.length > MAX_TEX) {
    return null;
  }
  try {
    return katex.renderToString(tex, {
      displayMode: display,
      output: 'mathml',
      throwOnError: true,
      trust: false,
      strict: 'ignore',
      maxSize: 20,
      maxExpand: 500
    });
  } catch {
    return null;
  }
}

/** Replace the math marks in `root` (sanitised markdown) with rendered, sanitised MathML. */
export function renderMath(root: ParentNode): void {
  for (const code of Array.from(root.querySelectorAll(`code[class^="${MARK}"]`))) {
    const display = code.className === `${MARK}display`;
    const tex = code.textContent ?? '';
    const html = mathml(tex, display);
    if (html === null) {
      code.className = 'mcpchat-math-source';
      continue;
    }
    const frag = untrustedMath(html);
    const wrap = document.createElement(display ? 'div' : 'span');
    wrap.className = display ? 'mcpchat-math mcpchat-math-display' : 'mcpchat-math';
    wrap.append(frag);
    code.replaceWith(wrap);
  }
}
