import type { ChatMessage, ToolCall } from '../protocol';
import { h } from '../dom';
import { CodeActions, renderMarkdown } from '../markdown';
import type { CallStatus } from '../model/state';
import { cardView } from '../model/toolCard';
import { argsPreview } from './approvals';

export interface MessageContext {
  codeActions: CodeActions;
  /** Tool result message of a call, if any. */
  resultOf(callId: string): ChatMessage | undefined;
  statusOf(callId: string): CallStatus | undefined;
  truncated(callId: string): boolean;
  /** Server and tool of a prefixed tool name, when the frames did not say. */
  toolOf(name: string): { server: string; tool: string } | undefined;
}

function toolCard(call: ToolCall, ctx: MessageContext): HTMLElement {
  const known = call.server && call.tool ? { server: call.server, tool: call.tool } : ctx.toolOf(call.name);
  const result = ctx.resultOf(call.id);
  const view = cardView(call, result, ctx.statusOf(call.id));
  const outcome = result?.status === 'error' ? 'error' : 'success';
  // tool output (an MCP server wrote it) is shown as text, never rendered as HTML or markdown
  const resultEl = result
    ? h(
        'div',
        { class: `mcpchat-tool-result mcpchat-result-${outcome}`, 'data-testid': 'tool-result', 'data-status': outcome },
        h('div', { class: 'mcpchat-result-label' }, outcome === 'error' ? 'Error / rejection' : 'Result'),
        h('pre', {}, result.content),
        ctx.truncated(call.id) ? h('div', { class: 'mcpchat-note' }, 'Output was truncated.') : null
      )
    : null;
  // the model's arguments and the user's edit, both as text
  const args = view.originalArgs
    ? h(
        'div',
        { class: 'mcpchat-args-compare' },
        h('div', { class: 'mcpchat-result-label' }, "The model's arguments"),
        h('pre', { class: 'mcpchat-args', 'data-testid': 'original-args' }, JSON.stringify(view.originalArgs, null, 2)),
        h('div', { class: 'mcpchat-result-label' }, result ? 'Edited arguments (these ran)' : 'Edited arguments'),
        argsPreview(call.args)
      )
    : argsPreview(call.args);
  return h(
    'div',
    { class: 'mcpchat-toolcard', 'data-testid': 'tool-call', 'data-call-id': call.id, 'data-status': view.kind },
    h(
      'div',
      { class: 'mcpchat-toolcard-head' },
      known ? h('span', { class: 'mcpchat-tool-server', 'data-testid': 'tool-server' }, known.server) : null,
      known ? h('span', { class: 'mcpchat-tool-sep' }, ' › ') : null,
      h('span', { class: 'mcpchat-tool-name', 'data-testid': 'tool-name' }, known?.tool ?? call.name),
      h(
        'span',
        { class: 'mcpchat-call-badges' },
        ...view.badges.map(b =>
          h('span', { class: `mcpchat-call-badge mcpchat-badge-${b.id}`, 'data-testid': `badge-${b.id}` }, b.text)
        ),
        view.text ? h('span', { class: `mcpchat-call-status mcpchat-status-${view.kind}`, 'data-testid': 'call-status' }, view.text) : null
      )
    ),
    view.ruleNote ? h('div', { class: 'mcpchat-call-rule', 'data-testid': 'call-rule' }, view.ruleNote) : null,
    args,
    resultEl
  );
}

/**
 * One message of the transcript. Tool messages render inside their call's card.
 *
 * Everything here is model or server text: assistant content goes through `renderMarkdown` (the
 * strict policy of `render/untrusted.ts`); tool names, arguments, results and statuses are text
 * nodes made by `h()`.
 */
export function renderMessage(msg: ChatMessage, ctx: MessageContext, streaming = false): HTMLElement | null {
  if (msg.role === 'tool' || msg.role === 'system') {
    return null;
  }
  const body = h('div', { class: 'mcpchat-msg-body', 'data-testid': 'message-body' });
  if (msg.role === 'user') {
    body.textContent = msg.content;
  } else if (msg.content) {
    renderMarkdown(body, msg.content, ctx.codeActions);
  }
  const calls = (msg.tool_calls ?? []).map(c => toolCard(c, ctx));
  return h(
    'div',
    {
      class: `mcpchat-msg mcpchat-${msg.role}${streaming ? ' mcpchat-streaming' : ''}`,
      'data-testid': `message-${msg.role}`,
      'data-message-id': msg.id
    },
    msg.role === 'assistant' && msg.metadata?.demo ? h('div', { class: 'mcpchat-msg-meta' }, 'demo model') : null,
    msg.content || msg.role === 'user' ? body : null,
    ...calls
  );
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
