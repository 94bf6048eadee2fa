/** Tool results: what kind they are, their bounded JSON tree, durations (pure, no DOM). */
import { describe, expect, it } from 'vitest';
import { CallTimes, formatDuration, jsonTree, resultKind } from '../src/model/jsonTree';

describe('resultKind', () => {
  it('tells JSON, markdown and text apart', () => {
    expect(resultKind('{"a": [1, 2]}')).toEqual({ kind: 'json', value: { a: [1, 2] } });
    expect(resultKind('[1, 2').kind).toBe('text'); // not JSON, no markdown
    expect(resultKind('# Report\n\n- one\n- two').kind).toBe('markdown');
    expect(resultKind('| a | b |\n|---|---|\n| 1 | 2 |').kind).toBe('markdown');
    expect(resultKind('5').kind).toBe('text');
    expect(resultKind('x'.repeat(300_000)).kind).toBe('text'); // too big to render
  });
});

describe('jsonTree', () => {
  it('labels keys and indexes, summarises containers, quotes strings', () => {
    const t = jsonTree({ name: 'x', n: 2, ok: true, none: null, list: [1, 'a'] });
    expect(t).toMatchObject({ kind: 'object', text: '{5 keys}' });
    expect(t.children!.map(c => [c.label, c.kind, c.text])).toEqual([
      ['name', 'string', '"x"'],
      ['n', 'number', '2'],
      ['ok', 'boolean', 'true'],
      ['none', 'null', 'null'],
      ['list', 'array', '[2 items]']
    ]);
    expect(t.children![4].children!.map(c => c.label)).toEqual(['0', '1']);
  });

  it('is bounded: wide, deep and long values are cut and say how much', () => {
    const limits = { depth: 3, children: 10, string: 5 };
    const wide = jsonTree(Array.from({ length: 1000 }, (_, i) => i), limits);
    expect(wide.children).toHaveLength(10);
    expect(wide.more).toBe(990);
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) {
      deep = { d: deep };
    }
    let node = jsonTree(deep, limits);
    let levels = 0;
    while (node.children && node.children.length) {
      node = node.children[0];
      levels++;
    }
    expect(levels).toBe(3);
    expect(node.more).toBe(1);
    expect(jsonTree('abcdefgh', limits).text).toBe('"abcde"… (8 characters)');
  });

  it('marks inline data: images of allowed types only', () => {
    const png = 'data:image/png;base64,iVBORw0KGgo=';
    const t = jsonTree({ a: png, b: 'data:image/svg+xml;base64,PHN2Zz4=', c: 'http://x/y.png' });
    expect(t.children!.map(c => c.image ?? null)).toEqual([png, null, null]);
  });
});

describe('durations', () => {
  it('formats', () => {
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });

  it('times a call from when it was seen running to its result; not one seen only finished', () => {
    let now = 1000;
    const times = new CallTimes(() => now);
    times.observe(['t1'], []);
    now = 1300;
    times.observe(['t1'], []);
    now = 2500;
    times.observe([], ['t1', 'old']);
    expect(times.durationOf('t1')).toBe(1500);
    expect(times.durationOf('old')).toBeNull();
  });
});
