import { describe, expect, it } from 'vitest';
import { badgesOf, claimsReadOnly } from '../src/ui/annotations';
import { describeRule } from '../src/model/approval';
import { fillTemplate } from '../src/model/uriTemplate';
import type { ToolAnnotations } from '../src/protocol';

function hints(extra: Partial<ToolAnnotations> = {}): ToolAnnotations {
  return { title: null, read_only: null, destructive: null, idempotent: null, open_world: null, ...extra };
}

const keys = (a: ToolAnnotations | null) => badgesOf(a).map(b => b.key);

describe('tool hints', () => {
  it('shows only the hints the server gave', () => {
    expect(keys(null)).toEqual([]);
    expect(keys(hints())).toEqual([]);
    expect(keys(hints({ read_only: true, idempotent: true, open_world: false }))).toEqual(['read-only']);
    expect(keys(hints({ destructive: true, open_world: true }))).toEqual(['destructive', 'open-world']);
  });

  it('contradicting hints are flagged and not read-only', () => {
    const both = hints({ read_only: true, destructive: true });
    expect(keys(both)).toEqual(['conflict']);
    expect(claimsReadOnly(both)).toBe(false);
    expect(claimsReadOnly(hints({ read_only: true }))).toBe(true);
    expect(claimsReadOnly(hints({ destructive: false }))).toBe(false);
  });

  it('every badge says it is the server\'s claim', () => {
    for (const b of badgesOf(hints({ read_only: true, open_world: true }))) {
      expect(b.hint).toContain('the server says so');
    }
  });

  it('the read-only rule reads as the claim it matches', () => {
    const rule = { id: '1', server: 'fs', tool: '@read-only', action: 'allow' as const, chat_id: null, source: 'user' as const, created_at: null };
    expect(describeRule(rule, null, []).text).toBe('always allow the tools fs says are read-only in every chat');
  });
});


describe('resource templates', () => {
  it('fills every variable, encoded', () => {
    expect(fillTemplate('edge://notes/{topic}', { topic: 'a b/../c' })).toBe('edge://notes/a%20b%2F..%2Fc');
    expect(fillTemplate('x://{a}/{b}', { a: '1' })).toBe('x://1/');
  });
});
