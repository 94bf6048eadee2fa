/**
 * A tool result as a card shows it once opened: JSON as a tree, markdown rendered (through the
 * one markdown renderer and the strict policy of render/untrusted.ts), inline `data:` images from
 * the result itself (the same policy: remote images stay click-to-load placeholders); the exact
 * text stays available as "Raw output". Keys and values of the tree are text nodes (`h()`).
 */
import { h } from '../dom';
import { MarkdownView } from '../markdown';
import { JsonNode, jsonTree, ResultKind, resultKind } from '../model/jsonTree';
import { untrustedFragment } from '../render/untrusted';

function attrEscape(s: string): string {
  return s.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`);
}

function jsonNode(node: JsonNode, depth: number): HTMLElement {
  const key = node.label ? h('span', { class: 'mcpchat-json-key' }, `${node.label}: `) : null;
  if (!node.children) {
    const leaf = h('div', { class: 'mcpchat-json-leaf' }, key, h('span', { class: `mcpchat-json-${node.kind}` }, node.text));
    if (node.image) {
      // through the policy: it keeps data:image/(png|jpeg|gif|webp) and nothing else
      const img = untrustedFragment(`<img src="${attrEscape(node.image)}" alt="${attrEscape(node.label || 'image')}">`);
      leaf.append(h('div', { class: 'mcpchat-json-image' }, img));
    }
    return leaf;
  }
  const details = h(
    'details',
    { class: 'mcpchat-json', open: depth < 2 },
    h('summary', {}, key, h('span', { class: 'mcpchat-json-summary' }, node.text))
  );
  const kids = h('div', { class: 'mcpchat-json-children' });
  let built = false;
  const build = () => {
    if (built || !details.open) {
      return;
    }
    built = true;
    kids.append(...node.children!.map(c => jsonNode(c, depth + 1)));
    if (node.more) {
      kids.append(h('div', { class: 'mcpchat-json-more' }, `… ${node.more} more`));
    }
  };
  details.addEventListener('toggle', build);
  details.append(kids);
  build();
  return details;
}

/** The JSON tree of a parsed value. */
export function jsonView(value: unknown): HTMLElement {
  return h('div', { class: 'mcpchat-json-tree', 'data-testid': 'json-tree' }, jsonNode(jsonTree(value), 0));
}

/** The rendered view of a successful result, or null when it is plain text. */
export function renderedResult(content: string): { kind: ResultKind; el: HTMLElement } | null {
  const { kind, value } = resultKind(content);
  if (kind === 'json') {
    return { kind, el: jsonView(value) };
  }
  if (kind === 'markdown') {
    const el = h('div', { class: 'mcpchat-msg-body mcpchat-result-md', 'data-testid': 'result-markdown' });
    new MarkdownView(el).update(content);
    return { kind, el };
  }
  return null;
}

/**
 * The result part of a card: the exact output as text (`<pre>`, there from the start), and, once
 * `fill()` runs (the card was opened), its rendered view with a button to switch to the raw text.
 * An error or a rejection is text only.
 */
export function resultSection(content: string, error: boolean, truncated: boolean): { el: HTMLElement; fill(): void } {
  const outcome = error ? 'error' : 'success';
  const raw = h('pre', { class: 'mcpchat-result-raw' }, content);
  const slot = h('div', { class: 'mcpchat-result-rendered' });
  const el = h(
    'div',
    { class: `mcpchat-tool-result mcpchat-result-${outcome}`, 'data-testid': 'tool-result', 'data-status': outcome },
    h('div', { class: 'mcpchat-result-label' }, error ? 'Error / rejection' : 'Result'),
    slot,
    raw,
    truncated ? h('div', { class: 'mcpchat-note' }, 'Output was truncated.') : null
  );
  let filled = error;
  const fill = () => {
    if (filled) {
      return;
    }
    filled = true;
    const view = renderedResult(content);
    if (!view) {
      return;
    }
    raw.hidden = true;
    const toggle = h(
      'button',
      { type: 'button', class: 'mcpchat-code-btn', 'data-testid': 'result-raw-toggle', 'aria-pressed': 'false' },
      'Raw output'
    );
    toggle.addEventListener('click', () => {
      const showRaw = !raw.hidden;
      raw.hidden = showRaw;
      view.el.hidden = !showRaw;
      toggle.setAttribute('aria-pressed', String(!showRaw));
    });
    slot.dataset.kind = view.kind;
    slot.append(h('div', { class: 'mcpchat-result-bar' }, toggle), view.el);
  };
  return { el, fill };
}
