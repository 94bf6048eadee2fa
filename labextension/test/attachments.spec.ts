import { describe, expect, it } from 'vitest';
import { typedText } from '../src/context/attachments';
import { cellText, outputText } from '../src/context/labSources';
import { message } from './fixtures';

describe('attachments', () => {
  it('a sent message shows only what the user typed; the chips carry the rest', () => {
    const content = 'why?\n\n[The user attached ...]\n<attachment kind="error">boom</attachment>';
    const msg = message('m1', 'user', content, { metadata: { typed_chars: 4, attachments: [{ kind: 'error', label: 'a.ipynb: cell 1 error' }] } });
    expect(typedText(msg)).toBe('why?');
    // without recorded attachments the whole content is the user's text
    expect(typedText(message('m2', 'user', 'plain', { metadata: { typed_chars: 2 } }))).toBe('plain');
  });

  it('outputs become text for the model: errors without colours, images named', () => {
    const error = { output_type: 'error', ename: 'ZeroDivisionError', evalue: 'division by zero', traceback: ['\x1b[0;31mZeroDivisionError\x1b[0m', '----> 1 1/0'] };
    expect(outputText(error)).toBe('[error] ZeroDivisionError: division by zero\nZeroDivisionError\n----> 1 1/0');
    expect(outputText({ output_type: 'stream', name: 'stdout', text: ['a', 'b\n'] })).toBe('[stdout]\nab\n');
    expect(outputText({ output_type: 'display_data', data: { 'image/png': 'AAA' } })).toBe('[image output: image/png]');
    expect(cellText(2, { type: 'code', source: 'x = 1', outputs: [] })).toBe('--- cell 2 (code) ---\nx = 1');
  });
});
