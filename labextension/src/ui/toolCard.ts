/**
 * The card of a tool call in the transcript, collapsed to one line (a `<summary>`: keyboard
 * operable, its expanded state announced): server › tool · badges · status · duration. The
 * approval rule that decided it stays visible under that line. Opened, it shows the arguments and
 * the result (ui/toolResult.ts), built when first opened. Every name, argument, status and error
 * is text (`h()`); a result is rendered only through render/untrusted.ts.
 */
import type { ToolCall } from '../protocol';
import { h } from '../dom';
import { formatDuration } from '../model/jsonTree';
import { cardView } from '../model/toolCard';
import { samplingUsageText } from '../model/usage';
import { argsPreview } from './approvals';
import type { CallInputs } from './messageDeps';
import { resultSection } from './toolResult';
import { progressView } from './progress';
import { mediaView } from './media';

/** What a card needs to know about the open chat's tool calls. */
export interface CardContext extends CallInputs {
  /** How long the call ran, when known. */
  durationOf(callId: string): number | null;
}

export function toolCard(call: ToolCall, ctx: CardContext, prev?: Node): HTMLElement {
  const known = call.server && call.tool ? { server: call.server, tool: call.tool } : ctx.toolOf(call.name);
  const result = ctx.resultOf(call.id);
  const view = cardView(call, result, ctx.statusOf(call.id));
  const section = result ? resultSection(result.content, result.status === 'error', ctx.truncated(call.id)) : null;
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
    : h('div', {}, h('div', { class: 'mcpchat-result-label' }, 'Arguments'), argsPreview(call.args));
  const took = ctx.durationOf(call.id);
  const summary = h(
    'summary',
    { class: 'mcpchat-toolcard-head', 'data-testid': 'tool-summary' },
    known ? h('span', { class: 'mcpchat-tool-server', 'data-testid': 'tool-server' }, known.server) : null,
    known ? h('span', { class: 'mcpchat-tool-sep' }, ' › ') : null,
    h('span', { class: 'mcpchat-tool-name', 'data-testid': 'tool-name' }, known?.tool ?? call.name),
    h(
      'span',
      { class: 'mcpchat-call-badges' },
      ...view.badges.map(b => h('span', { class: `mcpchat-call-badge mcpchat-badge-${b.id}`, 'data-testid': `badge-${b.id}` }, b.text)),
      view.text ? h('span', { class: `mcpchat-call-status mcpchat-status-${view.kind}`, 'data-testid': 'call-status' }, view.text) : null,
      took !== null ? h('span', { class: 'mcpchat-call-duration', 'data-testid': 'call-duration' }, formatDuration(took)) : null
    )
  );
  // a card made again (its status changed) stays open when it was
  const wasOpen = prev instanceof HTMLElement && prev.querySelector('details')?.open === true;
  const details = h(
    'details',
    { class: 'mcpchat-toolcard-details', open: wasOpen },
    summary,
    h('div', { class: 'mcpchat-toolcard-body' }, args, section?.el)
  );
  details.addEventListener('toggle', () => {
    if (details.open) {
      section?.fill();
    }
  });
  if (wasOpen) {
    section?.fill();
  }
  return h(
    'div',
    { class: 'mcpchat-toolcard', 'data-testid': 'tool-call', 'data-call-id': call.id, 'data-status': view.kind },
    details,
    view.ruleNote ? h('div', { class: 'mcpchat-call-rule', 'data-testid': 'call-rule' }, view.ruleNote) : null,
    // the tokens its server's sampling requests spent on the chat's model (in the chat's totals)
    samplingUsageText(result) ? h('div', { class: 'mcpchat-call-rule', 'data-testid': 'call-sampling-usage' }, samplingUsageText(result)) : null,
    // live progress (with Cancel) and the result's images/audio stay visible on a collapsed card
    result ? null : progressView(call.id, ctx.statusOf(call.id)),
    result ? mediaView(result.metadata) : null
  );
}
