/** Which groups of a long transcript are rendered (ui/virtual.ts windowOf): pure, no DOM. */
import { describe, expect, it } from 'vitest';
import { windowOf } from '../src/ui/virtual';

const rendered = (flags: boolean[]) => flags.flatMap((f, i) => (f ? [i] : []));

describe('windowOf', () => {
  const heights = Array.from({ length: 100 }, () => 100); // 10,000 px of groups

  it('at the bottom: the last groups within the view and the overscan', () => {
    const out = rendered(windowOf(heights, { bottom: true, height: 500 }, new Set(), 300));
    expect(out[0]).toBe(92); // 10,000 - 500 - 300 = 9,200
    expect(out[out.length - 1]).toBe(99);
  });

  it('scrolled up: the groups around the view, none far from it', () => {
    const out = rendered(windowOf(heights, { top: 4000, height: 500 }, new Set(), 300));
    expect(out[0]).toBe(37);
    expect(out[out.length - 1]).toBe(47); // (3,700 .. 4,800)
    expect(out).toHaveLength(11);
  });

  it('forced groups (the streaming reply, calls waiting, the selection) wherever they are', () => {
    const out = rendered(windowOf(heights, { top: 0, height: 500 }, new Set([99, 50]), 0));
    expect(out).toEqual([0, 1, 2, 3, 4, 50, 99]);
  });

  it('groups of unequal height: by their heights, not their count', () => {
    const mixed = [2000, 50, 50, 50, 3000];
    expect(rendered(windowOf(mixed, { top: 2110, height: 10 }, new Set(), 0))).toEqual([3]);
    expect(rendered(windowOf(mixed, { bottom: true, height: 100 }, new Set(), 0))).toEqual([4]);
  });
});
