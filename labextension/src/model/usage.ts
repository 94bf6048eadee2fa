/**
 * Token usage and cost as the UI shows them: per reply (`ChatMessage.usage`, from the endpoint's
 * own usage data), per tool call (a tool result's `usage`: what its MCP server's sampling
 * requests spent on the chat's model), the open chat's totals (both), and how full the model's
 * context window is (replies only: sampling ran on another prompt).
 */
import type { ChatMessage, ChatUsage, ModelInfo, Usage } from '../protocol';

export interface Totals {
  input: number;
  output: number;
  /** null: no reply had a price. */
  cost: number | null;
  replies: number;
  /** The last reply's prompt + answer: what the next prompt starts from. */
  context: number;
}

/**
 * The server's totals of the whole chat when its history loaded (`HistoryPage.usage`: also the
 * replies in pages not loaded), and the id of the newest message they include.
 */
export interface ServerUsage {
  usage: ChatUsage;
  through: string | null;
}

/**
 * The open chat's totals: the server's (`base`) plus the replies that came after its newest
 * counted message; without them (an older server, or that message was replaced by a retry), the
 * sums of the loaded messages.
 */
export function chatTotals(messages: readonly ChatMessage[], base: ServerUsage | null = null): Totals {
  const after = base === null ? -1 : base.through === null ? 0 : messages.findIndex(m => m.id === base.through) + 1;
  if (base === null || after === 0 && base.through !== null) {
    return sumReplies(messages, { input: 0, output: 0, cost: null, replies: 0, context: 0 });
  }
  const u = base.usage;
  const start: Totals = { input: u.input_tokens, output: u.output_tokens, cost: u.cost ?? null, replies: u.replies, context: u.context_tokens };
  return sumReplies(messages.slice(after), start);
}

function sumReplies(messages: readonly ChatMessage[], t: Totals): Totals {
  for (const m of messages) {
    const u = m.role === 'assistant' || m.role === 'tool' ? m.usage : null;
    if (!u) {
      continue;
    }
    t.input += u.input_tokens;
    t.output += u.output_tokens;
    if (m.role === 'assistant') {
      t.replies += 1;
      t.context = u.input_tokens + u.output_tokens;
    }
    if (u.cost !== null && u.cost !== undefined) {
      t.cost = (t.cost ?? 0) + u.cost;
    }
  }
  return t;
}

export function formatTokens(n: number): string {
  if (n >= 1_000_000) {
    return `${(n / 1_000_000).toFixed(1)}M`;
  }
  if (n >= 10_000) {
    return `${Math.round(n / 1000)}k`;
  }
  return n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}

export function formatCost(cost: number): string {
  if (cost === 0) {
    return '$0';
  }
  if (cost < 0.0001) {
    return '<$0.0001'; // (a short sampling request: not "$0.0000")
  }
  return cost < 0.01 ? `$${cost.toFixed(4)}` : `$${cost.toFixed(2)}`;
}

/** "123 in · 45 out · $0.0012" for one reply; '' without usage data. */
export function replyUsageText(msg: ChatMessage): string {
  const u = msg.role === 'assistant' ? msg.usage : null;
  return u ? usageText(u) : '';
}

/** "Sampling: 11 in · 1 out · $0.00003" for a tool result whose server sampled; '' otherwise. */
export function samplingUsageText(result: ChatMessage | null | undefined): string {
  const u = result?.role === 'tool' ? result.usage : null;
  return u ? `Sampling: ${usageText(u)}` : '';
}

/** "123 in · 45 out · $0.0012". */
export function usageText(u: Usage): string {
  const parts = [`${formatTokens(u.input_tokens)} in`, `${formatTokens(u.output_tokens)} out`];
  if (u.cost !== null && u.cost !== undefined) {
    parts.push(formatCost(u.cost));
  }
  return parts.join(' · ');
}

/** How full the context window is, 0..1 (null: the window is not known). */
export function contextFill(totals: Totals, model: ModelInfo | null | undefined): number | null {
  const window = model?.context_window;
  if (!window) {
    return null;
  }
  return Math.min(1, totals.context / window);
}

/** The model a chat uses: its own choice if offered, else the default. */
export function chatModel(models: readonly ModelInfo[], chosen: string | null | undefined, fallback: ModelInfo | null): ModelInfo | null {
  return models.find(m => m.id === chosen) ?? fallback ?? null;
}
