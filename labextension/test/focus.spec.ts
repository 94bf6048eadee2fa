/** Whether a late focus move would take the focus from where the user went (dom.ts samePlace). */
import { describe, expect, it } from 'vitest';
import { FocusPlace, samePlace } from '../src/dom';

const el = (name: string) => ({ name }) as unknown as Element;
const at = (node: Element, tid?: string, chat?: string): FocusPlace => ({ node, tid, chat });

describe('samePlace', () => {
  const button = el('new-chat');
  it('is the same element', () => {
    expect(samePlace(at(button, 'new-chat'), at(button, 'new-chat'))).toBe(true);
  });
  it('is a re-rendered copy of the same control (same test id, same chat row)', () => {
    expect(samePlace(at(button, 'sidebar-new-chat'), at(el('copy'), 'sidebar-new-chat'))).toBe(true);
    expect(samePlace(at(button, 'chat-rename', 'c1'), at(el('copy'), 'chat-rename', 'c1'))).toBe(true);
  });
  it('is not the same control of another chat, nor another control', () => {
    expect(samePlace(at(button, 'chat-rename', 'c1'), at(el('copy'), 'chat-rename', 'c2'))).toBe(false);
    expect(samePlace(at(button, 'new-chat'), at(el('title'), 'chat-item-title', 'c1'))).toBe(false);
  });
  it('never matches two elements without a test id', () => {
    expect(samePlace(at(button), at(el('launcher')))).toBe(false);
  });
  it('nowhere is only nowhere', () => {
    expect(samePlace(null, null)).toBe(true);
    expect(samePlace(null, at(button, 'new-chat'))).toBe(false);
    expect(samePlace(at(button, 'new-chat'), null)).toBe(false);
  });
});
