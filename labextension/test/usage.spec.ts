import { describe, expect, it } from 'vitest';
import { chatModel, chatTotals, contextFill, formatCost, formatTokens, replyUsageText, samplingUsageText } from '../src/model/usage';
import type { ModelInfo } from '../src/protocol';
import { message } from './fixtures';

const usage = (input: number, output: number, cost: number | null = null) => ({ input_tokens: input, output_tokens: output, cost, model: 'm' });
const info = (id: string, window: number | null = null): ModelInfo => ({
  id,
  name: id,
  label: id.toUpperCase(),
  base_url: null,
  demo: false,
  provider: 'openai',
  context_window: window,
  images: false,
  input_price: null,
  output_price: null
});

describe('usage', () => {
  const messages = [
    message('u1', 'user', 'q'),
    message('a1', 'assistant', 'x', { usage: usage(100, 20, 0.001) }),
    message('a2', 'assistant', 'no usage'),
    message('a3', 'assistant', 'y', { usage: usage(300, 50) }),
    message('u2', 'user', 'q', { usage: usage(9999, 9999, 9) }) // only replies count
  ];

  it("counts what a server's sampling spent in the totals, not as a reply nor in the context", () => {
    const sampled = message('t1', 'tool', 'sampled: 42', { tool_call_id: 'c1', usage: usage(11, 1, 0.00003) });
    const withSampling = [...messages.slice(0, 2), sampled];
    expect(chatTotals(withSampling)).toEqual({ input: 111, output: 21, cost: 0.00103, replies: 1, context: 120 });
    expect(samplingUsageText(sampled)).toBe('Sampling: 11 in · 1 out · <$0.0001');
    expect(samplingUsageText(messages[1])).toBe(''); // (a reply's usage is shown as the reply's)
    expect(replyUsageText(sampled)).toBe('');
  });

  it('sums the replies, cost only where priced, context from the last reply', () => {
    expect(chatTotals(messages)).toEqual({ input: 400, output: 70, cost: 0.001, replies: 2, context: 350 });
    expect(chatTotals([message('u', 'user')]).cost).toBeNull();
  });

  it('formats per reply', () => {
    expect(replyUsageText(messages[1])).toBe('100 in · 20 out · $0.0010');
    expect(replyUsageText(messages[3])).toBe('300 in · 50 out');
    expect(replyUsageText(messages[2])).toBe('');
    expect(formatTokens(1234)).toBe('1.2k');
    expect(formatTokens(123_456)).toBe('123k');
    expect(formatTokens(2_500_000)).toBe('2.5M');
    expect(formatCost(1.234)).toBe('$1.23');
    expect(formatCost(0.00003)).toBe('<$0.0001');
  });

  it('fills the gauge against the chat model window; falls back to the default model', () => {
    const models = [info('a', 1000), info('b')];
    expect(contextFill(chatTotals(messages), chatModel(models, 'a', null))).toBeCloseTo(0.35);
    expect(contextFill(chatTotals(messages), chatModel(models, 'b', null))).toBeNull();
    expect(chatModel(models, 'gone', models[1])?.id).toBe('b');
    expect(contextFill({ input: 0, output: 0, cost: null, replies: 1, context: 5000 }, models[0])).toBe(1);
  });

  it('starts from the server totals (pages not loaded too) and adds the replies after them', () => {
    const server = { input_tokens: 5000, output_tokens: 900, cost: 0.5, replies: 40, context_tokens: 1200, context_window: 8000, sampling_tokens: 0 };
    // loaded: the newest page (a1..a3, counted by the server), then a reply that streamed in later
    const live = [...messages, message('a4', 'assistant', 'z', { usage: usage(400, 10, 0.01) })];
    expect(chatTotals(live, { usage: server, through: 'u2' })).toEqual({ input: 5400, output: 910, cost: 0.51, replies: 41, context: 410 });
    expect(chatTotals(messages, { usage: server, through: 'u2' })).toEqual({ input: 5000, output: 900, cost: 0.5, replies: 40, context: 1200 });
    // an empty page: every loaded reply came after it
    expect(chatTotals(live.slice(4), { usage: { ...server, replies: 0, input_tokens: 0, output_tokens: 0, cost: null, context_tokens: 0 }, through: null }).replies).toBe(1);
    // its newest counted message was replaced (a retry): the loaded messages' sums
    expect(chatTotals(messages, { usage: server, through: 'gone' })).toEqual(chatTotals(messages));
  });
});
