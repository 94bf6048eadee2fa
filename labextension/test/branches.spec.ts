import { describe, expect, it } from 'vitest';
import { dropFrom, endsWithUser, lastReplyId, pointsOf, turnRefused } from '../src/model/branches';
import { reduce } from '../src/model/reducer';
import { deepFreeze, message, openChat } from './fixtures';

describe('branches model', () => {
  const messages = [message('u1', 'user', 'one'), message('a1', 'assistant', 'r1'), message('u2', 'user', 'two'), message('a2', 'assistant', 'r2')];

  it('a new version of a message replaces it and everything after it', () => {
    const s = reduce(deepFreeze(openChat({ messages, running: new Set(['c1']) })), {
      type: 'turn_started',
      chat_id: 'c1',
      user_message: message('u2b', 'user', 'TWO'),
      replaces: 'u2'
    });
    expect(s.messages.map(m => m.id)).toEqual(['u1', 'a1', 'u2b']);
  });

  it('a plain turn_started (no replaces) keeps every message', () => {
    const s = reduce(deepFreeze(openChat({ messages })), {
      type: 'turn_started',
      chat_id: 'c1',
      user_message: message('u3', 'user', 'three'),
      replaces: null
    });
    expect(s.messages.map(m => m.id)).toEqual(['u1', 'a1', 'u2', 'a2', 'u3']);
  });

  it('dropFrom leaves the list alone for an unknown id', () => {
    expect(dropFrom(messages, 'nope')).toBe(messages);
    expect(dropFrom(messages, null)).toBe(messages);
    expect(dropFrom(messages, 'u1')).toEqual([]);
  });

  it('Retry goes on the last reply with text, or on the user message whose reply failed', () => {
    expect(lastReplyId(messages)).toBe('a2');
    expect(endsWithUser(messages)).toBe(false);
    const failed = [...messages, message('u3', 'user', 'three')];
    expect(lastReplyId(failed)).toBeNull();
    expect(endsWithUser(failed)).toBe(true);
  });

  it('points are keyed by message id; a refused turn clears the running mark', () => {
    const points = pointsOf({ chat_id: 'c1', points: [{ message_id: 'u2', index: 1, count: 3 }] });
    expect(points.get('u2')).toEqual({ message_id: 'u2', index: 1, count: 3 });
    const s = deepFreeze(openChat({ running: new Set(['c1']) }));
    expect(turnRefused(s, 'c1').running.has('c1')).toBe(false);
    const idle = openChat();
    expect(turnRefused(idle, 'c1')).toBe(idle);
  });
});
