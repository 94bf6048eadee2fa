import { describe, expect, it } from 'vitest';
import { decidedText, panelKey, shortcutChoice, whatOf } from '../src/model/approvalKeys';
import { announcement, sendBlocker } from '../src/model/feedback';
import { message, openChat, pending } from './fixtures';

describe('sendBlocker', () => {
  it('says nothing when a message can be sent', () => {
    expect(sendBlocker(openChat())).toBeNull();
  });

  it('names the disconnection before anything else', () => {
    const s = openChat({ connection: 'closed', pending: [pending('p1')] });
    expect(sendBlocker(s)).toMatch(/Not connected/);
    expect(sendBlocker(s)).toMatch(/stays here/);
  });

  it('asks for the decisions first, with their number', () => {
    expect(sendBlocker(openChat({ pending: [pending('p1')] }))).toMatch(/^Decide the tool call above/);
    expect(sendBlocker(openChat({ pending: [pending('p1'), pending('p2')] }))).toMatch(/^Decide the 2 tool calls above/);
  });

  it('says a turn is still running', () => {
    expect(sendBlocker(openChat({ running: new Set(['c1']) }))).toMatch(/still answering/);
    // another chat's turn does not block this one
    expect(sendBlocker(openChat({ running: new Set(['c2']) }))).toBeNull();
  });
});

describe('announcement', () => {
  it('announces the reply when the turn ends', () => {
    const prev = openChat({ running: new Set(['c1']), messages: [message('u1', 'user', 'add 2 and 3')] });
    const next = openChat({ messages: [message('u1', 'user', 'add 2 and 3'), message('a1', 'assistant', 'The   sum\nis 5.')] });
    expect(announcement(prev, next)).toBe('Reply: The sum is 5.');
  });

  it('does not read an older reply when the turn ended without one', () => {
    const prev = openChat({ running: new Set(['c1']), messages: [message('a0', 'assistant', 'old'), message('u1', 'user', 'hi')] });
    const next = openChat({ messages: prev.messages });
    expect(announcement(prev, next)).toBe('The turn ended.');
  });

  it('announces an approval request, naming the tools', () => {
    const prev = openChat({ running: new Set(['c1']) });
    const next = openChat({ pending: [pending('p1')] });
    expect(announcement(prev, next)).toBe('The agent wants to run demo add. Decide in the approval card.');
  });

  it('stays quiet when another chat is opened or nothing changed', () => {
    const prev = openChat({ running: new Set(['c1']) });
    expect(announcement(prev, { ...openChat(), chatId: 'c2' })).toBeNull();
    expect(announcement(openChat(), openChat())).toBeNull();
  });

  it('cuts a long reply', () => {
    const prev = openChat({ running: new Set(['c1']) });
    const next = openChat({ messages: [message('a1', 'assistant', 'x'.repeat(5000))] });
    const said = announcement(prev, next)!;
    expect(said.length).toBeLessThan(700);
    expect(said.endsWith('…')).toBe(true);
  });
});

describe('approval keys', () => {
  it('maps A / E / R in either case, nothing else', () => {
    expect(shortcutChoice('a')).toBe('approve');
    expect(shortcutChoice('A')).toBe('approve');
    expect(shortcutChoice('e')).toBe('edit');
    expect(shortcutChoice('R')).toBe('reject');
    expect(shortcutChoice('Enter')).toBeNull();
    expect(shortcutChoice(' ')).toBeNull();
    expect(shortcutChoice('b')).toBeNull();
  });

  it('names a call by server and tool, else by its name', () => {
    expect(whatOf(pending('p1'))).toBe('demo:add');
    expect(whatOf({ server: null, tool: null, name: 'demo_add' })).toBe('demo_add');
  });

  it('keys a panel by its call ids in order', () => {
    expect(panelKey([pending('a'), pending('b')])).not.toBe(panelKey([pending('b'), pending('a')]));
    expect(panelKey([pending('a')])).toBe(panelKey([{ id: 'a' }]));
  });

  it('says what a decided card will do', () => {
    expect(decidedText('block')).toMatch(/blocked in every chat/);
    expect(decidedText('edit')).toMatch(/edits/);
  });
});
