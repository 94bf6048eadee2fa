/**
 * Syntax highlighting of code blocks: highlight.js (core and a set of common languages), whose
 * output is `<span class="hljs-...">` and escaped text only. It runs inside marked's code renderer,
 * so its markup goes through the policy of ./untrusted.ts like the rest (which keeps `hljs-*`
 * classes on spans and nothing else).
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const LANGUAGES = { bash, css, diff, javascript, json, markdown, python, sql, typescript, xml, yaml };
for (const [name, lang] of Object.entries(LANGUAGES)) {
  hljs.registerLanguage(name, lang);
}

/** Longer code is shown plain (highlighting is linear but not free). */
const MAX_HIGHLIGHT = 50_000;

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

/** `<pre><code>` of a code block: highlighted when its language is known, escaped text otherwise. */
export function codeBlockHtml(code: string, infostring: string | undefined): string {
  const lang = (infostring ?? '').trim().split(/\s+/)[0]?.toLowerCase() ?? '';
  const cls = /^[\w+#.-]{1,40}$/.test(lang) ? ` class="language-${escapeHtml(lang)}"` : '';
  let body = escapeHtml(code);
  if (lang && hljs.getLanguage(lang) && code.length <= MAX_HIGHLIGHT) {
    try {
      body = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    } catch {
      // shown plain
    }
  }
  return `<pre><code${cls}>${body}</code></pre>\n`;
}
