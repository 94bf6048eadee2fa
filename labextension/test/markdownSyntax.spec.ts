/** The pure parts of the one markdown renderer: math marks and highlighted code (no DOM). */
import { Marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { codeBlockHtml } from '../src/render/highlight';
import { mathExtension } from '../src/render/mathSyntax';

const md = new Marked({ gfm: true }, mathExtension);
const html = (s: string) => md.parse(s, { async: false }) as string;

describe('math marks', () => {
  it('marks inline and display math as code text', () => {
    expect(html('Euler: $e^{i\\pi}+1=0$ done')).toContain('<code class="language-mcpchat-math-inline">e^{i\\pi}+1=0</code>');
    expect(html('\\(a<b\\)')).toContain('<code class="language-mcpchat-math-inline">a&#60;b</code>');
    expect(html('$$\n\\sum_i x_i\n$$\n')).toContain('<code class="language-mcpchat-math-display">\\sum_i x_i</code>');
    expect(html('\\[x\\]')).toContain('language-mcpchat-math-display');
  });

  it('leaves prices and code alone', () => {
    expect(html('It costs $5 and $10.')).not.toContain('mcpchat-math');
    expect(html('`$x$` and\n\n```\n$$y$$\n```')).not.toContain('mcpchat-math');
  });

  it('escapes markup inside math (it is TeX, not HTML)', () => {
    const out = html('$<img src=x onerror=alert(1)>$');
    expect(out).not.toContain('<img');
    expect(out).toContain('&#60;img');
  });
});

describe('code highlighting', () => {
  it('writes only hljs-* spans and escaped text', () => {
    const out = codeBlockHtml('def f(x):\n    return "<b>" + x', 'python');
    expect(out).toMatch(/^<pre><code class="language-python">/);
    expect(out).toContain('<span class="hljs-keyword">def</span>');
    expect(out).toContain('&lt;b&gt;');
    const classes = [...out.matchAll(/class="([^"]*)"/g)].map(m => m[1]).slice(1);
    expect(classes.length).toBeGreaterThan(0);
    // every class highlight.js wrote starts with hljs- (the sanitiser drops any other, e.g. "function_")
    expect(classes.every(c => c.split(' ').some(x => x.startsWith('hljs-')))).toBe(true);
  });

  it('an unknown or hostile language is plain, escaped text', () => {
    expect(codeBlockHtml('<script>x</script>', 'nosuchlang')).toBe(
      '<pre><code class="language-nosuchlang">&#60;script&#62;x&#60;/script&#62;</code></pre>\n'
    );
    expect(codeBlockHtml('x', '"><img src=x>')).toBe('<pre><code>x</code></pre>\n');
  });
});
