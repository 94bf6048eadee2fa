/**
 * The pure parts of the transcript: which keyed items an update renders (the incremental render),
 * the scroll decisions, and the history pages (older pages put before the loaded messages).
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage, HistoryPage } from '../src/protocol';
import * as act from '../src/model/actions';
import type { ChatState } from '../src/model/state';
import { reduce } from '../src/model/reducer';
import { planUpdate, sameDeps } from '../src/ui/keyed';
import { messageDeps } from '../src/ui/messageDeps';
import { atBottom, firstVisible, keepInPlace, pinnedAfter, wantsOlder } from '../src/ui/scroll';
import { call, chat, deepFreeze, message, openChat } from './fixtures';

const noCards = { resultOf: () => undefined, statusOf: () => undefined, truncated: () => false, toolOf: () => undefined };

function page(messages: ChatMessage[], offset: number, total: number): HistoryPage {
  return { chat: chat('c1'), messages, total, offset, pending: [], interrupted: false, outcome: null, usage: null, server_requests: [] };
}

function history(n: number): ChatMessage[] {
  return Array.from({ length: n }, (_, i) => message(`m${i}`, i % 2 ? 'assistant' : 'user', `text ${i}`));
}

/** The keys an update from `before` to `after` renders, with the message keys the transcript uses. */
function rendered(before: ChatState, after: ChatState): string[] {
  const keyed = (s: ChatState) =>
    s.messages.map(m => ({ key: m.id, deps: messageDeps(m, noCards, m.id === s.streamingId) }));
  const prev = new Map(keyed(before).map(k => [k.key, k.deps]));
  return [...planUpdate(prev, keyed(after)).render];
}

describe('incremental render', () => {
  it('a token re-renders only the streaming message, whatever the chat length', () => {
    let s = act.historyLoaded(openChat(), page(history(200), 0, 200));
    s = reduce(deepFreeze(s), { type: 'token', chat_id: 'c1', message_id: 'r1', text: 'Hel' });
    const next = reduce(deepFreeze(s), { type: 'token', chat_id: 'c1', message_id: 'r1', text: 'lo' });
    expect(rendered(s, next)).toEqual(['r1']);
  });

  it('the end of the stream re-renders the reply once (no longer streaming), nothing else', () => {
    let s = act.historyLoaded(openChat(), page(history(20), 0, 20));
    s = reduce(s, { type: 'token', chat_id: 'c1', message_id: 'r1', text: 'Hi' });
    const done = reduce(s, { type: 'ai_message', chat_id: 'c1', message: message('r1', 'assistant', 'Hi') });
    expect(rendered(s, done)).toEqual(['r1']);
  });

  it("a tool call's status re-renders the message with that call only", () => {
    const withCall = message('a1', 'assistant', '', { tool_calls: [call('t1')] });
    const s = act.historyLoaded(openChat(), page([...history(10), withCall], 0, 11));
    const next = reduce(s, { type: 'tool_started', chat_id: 'c1', call: call('t1') });
    const keyed = (st: ChatState) =>
      st.messages.map(m => ({
        key: m.id,
        deps: messageDeps(m, { ...noCards, statusOf: id => st.callStatus.get(id) }, false)
      }));
    const plan = planUpdate(new Map(keyed(s).map(k => [k.key, k.deps])), keyed(next));
    expect([...plan.render]).toEqual(['a1']);
  });

  it('plans new, changed and dropped keys; refuses a key used twice', () => {
    const a = { x: 1 };
    const plan = planUpdate(
      new Map<string, unknown[]>([
        ['k1', [a]],
        ['k2', [a, 1]],
        ['gone', []]
      ]),
      [
        { key: 'k1', deps: [a] },
        { key: 'k2', deps: [a, 2] },
        { key: 'new', deps: [] }
      ]
    );
    expect([...plan.render].sort()).toEqual(['k2', 'new']);
    expect(plan.drop).toEqual(['gone']);
    expect(() => planUpdate(new Map(), [{ key: 'a', deps: [] }, { key: 'a', deps: [] }])).toThrow(/twice/);
    expect(sameDeps([{}], [{}])).toBe(false); // identity, not equality
  });
});

describe('scroll', () => {
  const box = (scrollTop: number, scrollHeight = 2000, clientHeight = 500) => ({ scrollTop, scrollHeight, clientHeight });

  it('follows new content only at the bottom', () => {
    expect(atBottom(box(1500))).toBe(true);
    expect(atBottom(box(1480))).toBe(true);
    expect(atBottom(box(1400))).toBe(false);
    expect(pinnedAfter(box(1400), 'scroll', true)).toBe(false);
    expect(pinnedAfter(box(1500), 'scroll', false)).toBe(true);
  });

  it('stops following as soon as the user scrolls up, even a few pixels from the bottom', () => {
    expect(pinnedAfter(box(1500), 'wheel-up', true)).toBe(false);
    expect(pinnedAfter(box(1500), 'key-up', true)).toBe(false);
    expect(pinnedAfter(box(1000), 'wheel-down', true)).toBe(true);
    expect(pinnedAfter(box(1000), 'wheel-down', false)).toBe(false);
  });

  it('loads older pages near the top, once, while some are older', () => {
    expect(wantsOlder(box(100), 40, false)).toBe(true);
    expect(wantsOlder(box(100), 40, true)).toBe(false);
    expect(wantsOlder(box(100), 0, false)).toBe(false);
    expect(wantsOlder(box(900), 40, false)).toBe(false);
  });

  it('keeps what the user reads in place when content is put above it', () => {
    // the anchor was 20 px below the box's top; 600 px of older messages went in above it
    expect(keepInPlace(300, 20, 620)).toBe(900);
    const bottoms = [-50, -1, 0, 30, 400]; // relative to the box's top
    expect(firstVisible(bottoms.length, i => bottoms[i])).toBe(3);
    expect(firstVisible(0, () => 0)).toBe(0);
  });
});

describe('history pages', () => {
  it('the first page is the newest; older pages go before it, notes move with their messages', () => {
    const all = history(250);
    let s = act.historyLoaded(openChat(), page(all.slice(190), 190, 250));
    expect(s.historyOffset).toBe(190);
    s = { ...s, notes: [{ after: 60, text: 'Stopped.', level: 'info' }] };
    s = act.olderLoaded(deepFreeze(s), page(all.slice(90, 190), 90, 250));
    expect(s.messages.map(m => m.id)).toEqual(all.slice(90).map(m => m.id));
    expect(s.historyOffset).toBe(90);
    expect(s.notes[0].after).toBe(160);
    s = act.olderLoaded(s, page(all.slice(0, 90), 0, 250));
    expect(s.messages).toHaveLength(250);
    expect(s.historyOffset).toBe(0);
  });

  it('a stale older page (another chat, or not older) changes nothing', () => {
    const all = history(50);
    const s = act.historyLoaded(openChat(), page(all.slice(20), 20, 50));
    expect(act.olderLoaded(s, { ...page(all.slice(0, 20), 0, 50), chat: chat('c2') })).toBe(s);
    expect(act.olderLoaded(s, page(all.slice(20, 30), 20, 50))).toBe(s);
  });

  it('reloading the newest page (a reconnect) keeps the older pages the user loaded', () => {
    const all = history(100);
    let s = act.historyLoaded(openChat(), page(all.slice(40), 40, 100));
    s = act.olderLoaded(s, page(all.slice(0, 40), 0, 100));
    const more = [...all, message('m100', 'user', 'new')];
    s = act.historyLoaded(s, page(more.slice(41), 41, 101));
    expect(s.messages.map(m => m.id)).toEqual(more.map(m => m.id));
    expect(s.historyOffset).toBe(0);
  });
});
