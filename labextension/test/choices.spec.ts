import { describe, expect, it } from 'vitest';
import { choicesOf, pickedValue } from '../src/model/choices';

// the MCP elicitation spec's enum schemas (2025-11-25: SEP-1330)
const titledOne = { type: 'string', oneOf: [{ const: 'r', title: 'Red <b>!</b>' }, { const: 'g', title: 'Green' }] };
const legacy = { type: 'string', enum: ['r', 'g'], enumNames: ['Red', 'Green'] };
const untitledMany = { type: 'array', items: { type: 'string', enum: ['a', 'b', 'c'] }, minItems: 1, maxItems: 2 };
const titledMany = { type: 'array', items: { anyOf: [{ const: 'a', title: 'Apples' }, { const: 'b', title: 'Bananas' }] }, default: ['b'] };

describe('choice fields', () => {
  it('titled and legacy single choices: values with their titles', () => {
    expect(choicesOf(titledOne)).toEqual({
      multi: false,
      options: [{ value: 'r', label: 'Red <b>!</b>' }, { value: 'g', label: 'Green' }],
      min: null,
      max: null,
      initial: []
    });
    expect(choicesOf(legacy)?.options).toEqual([{ value: 'r', label: 'Red' }, { value: 'g', label: 'Green' }]);
    expect(choicesOf({ type: 'string', enum: ['x'] })?.options).toEqual([{ value: 'x', label: 'x' }]);
  });

  it('multi-select arrays, titled or not, with their bounds and default', () => {
    expect(choicesOf(untitledMany)).toMatchObject({ multi: true, min: 1, max: 2, initial: [] });
    expect(choicesOf(titledMany)).toMatchObject({ multi: true, options: [{ value: 'a', label: 'Apples' }, { value: 'b', label: 'Bananas' }], initial: ['b'] });
  });

  it('not a choice field: free text, numbers, a oneOf of types, an array of objects', () => {
    expect(choicesOf({ type: 'string' })).toBeNull();
    expect(choicesOf({ type: 'integer', enum: [1, 2] })).toBeNull(); // (the generic select shows those)
    expect(choicesOf({ oneOf: [{ type: 'string' }, { type: 'null' }] })).toBeNull();
    expect(choicesOf({ type: 'string', oneOf: [{ const: 1, title: 'one' }] })).toBeNull();
    expect(choicesOf({ type: 'array', items: { type: 'object' } })).toBeNull();
  });

  it('the answer: one value, a list in the options order, or a named error', () => {
    const one = choicesOf(titledOne)!;
    expect(pickedValue('colour', one, ['g'], true)).toBe('g');
    expect(pickedValue('colour', one, [], false)).toBeUndefined();
    expect(() => pickedValue('colour', one, [], true)).toThrow('colour: choose one');
    expect(pickedValue('colour', one, ['x'], false)).toBeUndefined(); // (not an option: never sent)
    const many = choicesOf(untitledMany)!;
    expect(pickedValue('fruit', many, ['c', 'a'], true)).toEqual(['a', 'c']);
    expect(() => pickedValue('fruit', many, ['a', 'b', 'c'], true)).toThrow('fruit: choose at most 2');
    expect(() => pickedValue('fruit', many, [], true)).toThrow('fruit: choose at least 1');
    expect(pickedValue('fruit', many, [], false)).toBeUndefined();
    expect(pickedValue('fruit', choicesOf(titledMany)!, [], false)).toEqual([]);
  });
});
