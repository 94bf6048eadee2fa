import { describe, expect, it } from 'vitest';
import type { ServerFrame } from '../src/protocol';
import { reduce } from '../src/model/reducer';
import { ChatState, isRunning } from '../src/model/state';
import { progressText } from '../src/ui/progress';
import { call, deepFreeze, message, openChat } from './fixtures';

function run(state: ChatState, ...frames: ServerFrame[]): ChatState {
  return frames.reduce((s, f) => reduce(deepFreeze(s), f), state);
}

const progress = (callId: string, p: number, total: number | null, msg: string | null): ServerFrame => ({
  type: 'tool_progress',
  chat_id: 'c1',
  call_id: callId,
  progress: p,
  total,
  message: msg
});

describe('tool_progress', () => {
  const ai = message('a1', 'assistant', '', { tool_calls: [call('t1')] });
  const started: ServerFrame = { type: 'tool_started', chat_id: 'c1', call: call('t1') };

  it('a running call shows its last report', () => {
    const s = run(openChat({ messages: [ai] }), started, progress('t1', 1, 3, 'one'), progress('t1', 2, 3, 'two'));
    expect(s.callStatus.get('t1')?.progress).toEqual({ progress: 2, total: 3, message: 'two' });
    expect(s.callStatus.get('t1')?.kind).toBe('running');
  });

  it('a report for a call that is not running changes nothing', () => {
    const before = openChat({ messages: [ai] });
    expect(run(before, progress('t1', 1, null, null))).toBe(before);
    expect(run(before, progress('nope', 1, null, null))).toBe(before);
  });

  it('another chat\'s report leaves the open chat alone', () => {
    const s = run(openChat({ messages: [ai] }), started, { ...progress('t1', 5, null, 'x'), chat_id: 'c2' } as ServerFrame);
    expect(s.callStatus.get('t1')?.progress).toBeUndefined();
    expect(isRunning(s)).toBe(true);
  });

  it('reads as text', () => {
    expect(progressText({ progress: 3, total: 10 })).toBe('3 of 10 (30 %)');
    expect(progressText({ progress: 30, total: 10 })).toBe('30 of 10 (100 %)');
    expect(progressText({ progress: 7, total: null })).toBe('7');
  });
});
