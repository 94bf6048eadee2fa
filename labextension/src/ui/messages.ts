import type { ChatMessage } from '../protocol';
import { h } from '../dom';
import { CodeActions, copyButton, MarkdownView } from '../markdown';
import { KeyedChildren, KeyedItem } from './keyed';
import { cardDeps } from './messageDeps';
import { CardContext, toolCard } from './toolCard';
import { replyUsageText } from '../model/usage';
import { messageChips, typedText } from '../context/attachments';

export interface MessageContext extends CardContext {
  codeActions: CodeActions;
}

const parts = new WeakMap<Element, KeyedChildren>();
const bodies = new WeakMap<Element, MarkdownView>();

function body(msg: ChatMessage, ctx: MessageContext, prev: Node | undefined): HTMLElement {
  const el = (prev as HTMLElement | undefined) ?? h('div', { class: 'mcpchat-msg-body', 'data-testid': 'message-body' });
  if (msg.role === 'user') {
    el.textContent = typedText(msg);
    return el;
  }
  let view = bodies.get(el);
  if (!view) {
    view = new MarkdownView(el, ctx.codeActions);
    bodies.set(el, view);
  }
  view.update(msg.content);
  return el;
}

/**
 * One message of the transcript (tool messages render inside their call's card), made or patched
 * in place: `prev` is its node from before; only the parts whose inputs changed are made again
 * (a streaming reply re-renders its last markdown block, a status change only that call's card).
 * `editor`: the user edits this message (its text's place).
 *
 * Everything here is model or server text: assistant content goes through `MarkdownView` (the
 * strict policy of `render/untrusted.ts`); tool names, arguments, results and statuses are text
 * nodes made by `h()`.
 */
export function renderMessage(
  msg: ChatMessage,
  ctx: MessageContext,
  streaming = false,
  prev?: Node,
  editor: KeyedItem | null = null
): HTMLElement | null {
  if (msg.role === 'tool' || msg.role === 'system') {
    return null;
  }
  const el =
    (prev as HTMLElement | undefined) ??
    h('div', { 'data-testid': `message-${msg.role}`, 'data-message-id': msg.id });
  el.className = `mcpchat-msg mcpchat-${msg.role}${streaming ? ' mcpchat-streaming' : ''}`;
  let kids = parts.get(el);
  if (!kids) {
    kids = new KeyedChildren(el);
    parts.set(el, kids);
  }
  const items: KeyedItem[] = [];
  if (msg.role === 'assistant' && msg.metadata?.demo) {
    items.push({ key: 'meta', deps: [], render: () => h('div', { class: 'mcpchat-msg-meta' }, 'demo model') });
  }
  if (editor) {
    items.push(editor); // the user edits the message: the editor in place of its text (ui/branches.ts)
  } else if (msg.content || msg.role === 'user') {
    items.push({ key: 'body', deps: [msg.content], render: p => body(msg, ctx, p) });
  }
  const chips = msg.role === 'user' ? messageChips(msg) : null;
  if (chips) {
    items.push({ key: 'chips', deps: [msg.metadata], render: () => messageChips(msg) ?? chips });
  }
  if (msg.role === 'assistant' && msg.content && !streaming) {
    // copies the markdown source the model wrote (not the rendered text)
    const source = msg.content;
    items.push({
      key: 'actions',
      deps: [source],
      render: () =>
        h(
          'div',
          { class: 'mcpchat-msg-actions' },
          copyButton(
            { class: 'mcpchat-code-btn', 'data-testid': 'message-copy', title: 'Copy this reply as markdown', 'aria-label': 'Copy this reply as markdown' },
            'Copy',
            () => source
          )
        )
    });
  }
  for (const call of msg.tool_calls) {
    items.push({ key: `call:${call.id}`, deps: cardDeps(call, ctx), render: p => toolCard(call, ctx, p) });
  }
  const usage = replyUsageText(msg);
  if (usage) {
    items.push({
      key: 'usage',
      deps: [usage],
      render: () => h('div', { class: 'mcpchat-reply-usage', 'data-testid': 'reply-usage' }, usage)
    });
  }
  kids.update(items);
  return el;
}

/** A tool message whose call is not in the transcript (shown on its own). */
export function renderOrphanTool(msg: ChatMessage): HTMLElement {
  return h(
    'div',
    { class: 'mcpchat-msg mcpchat-tool', 'data-testid': 'tool-result', 'data-status': msg.status === 'error' ? 'error' : 'success' },
    h('div', { class: 'mcpchat-result-label' }, `${msg.name ?? 'tool'}: ${msg.status === 'error' ? 'error' : 'result'}`),
    h('pre', {}, msg.content)
  );
}
