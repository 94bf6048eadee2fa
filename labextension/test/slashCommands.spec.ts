import { describe, expect, it } from 'vitest';
import type { PromptInfo } from '../src/protocol';
import { matchCommands, missingArguments, moveSelection, promptSchema, promptText, slashCommands, slashQuery } from '../src/model/slashCommands';

const prompt = (name: string, extra: Partial<PromptInfo> = {}): PromptInfo => ({ name, title: null, description: '', arguments: [], ...extra });

describe('slash commands', () => {
  const offered = [
    { server: 'git', prompts: [prompt('review', { title: 'Review a diff' }), prompt('commit-message')] },
    { server: 'edge', prompts: [prompt('review'), prompt('evil"><img src=x onerror=alert(1)>')] }
  ];

  it('names a prompt by itself when unique, with its server when not', () => {
    expect(slashCommands(offered).map(c => c.command)).toEqual(['git:review', 'commit-message', 'edge:review', 'evil"><img src=x onerror=alert(1)>']);
  });

  it('drops a prompt a server lists twice', () => {
    expect(slashCommands([{ server: 's', prompts: [prompt('a'), prompt('a')] }])).toHaveLength(1);
  });

  it('reads the command being typed only at the start, before any space', () => {
    expect(slashQuery('/rev')).toBe('rev');
    expect(slashQuery('/')).toBe('');
    expect(slashQuery('/review some code')).toBeNull();
    expect(slashQuery('see /review')).toBeNull();
    expect(slashQuery('/rev more', 4)).toBeNull();
    expect(slashQuery('/rev', 2)).toBe('r');
    expect(slashQuery('')).toBeNull();
  });

  it('matches prefixes first, then names and titles containing the query', () => {
    const commands = slashCommands(offered);
    expect(matchCommands(commands, 'git:r').map(c => c.command)).toEqual(['git:review']);
    expect(matchCommands(commands, 'edge:').map(c => c.command)).toEqual(['edge:review', 'evil"><img src=x onerror=alert(1)>']);
    expect(matchCommands(commands, 'DIFF').map(c => c.command)).toEqual(['git:review']);
    expect(matchCommands(commands, 'mess').map(c => c.command)).toEqual(['commit-message']);
    expect(matchCommands(commands, '').length).toBe(4);
    expect(matchCommands(commands, 'nothing')).toEqual([]);
    const many = slashCommands([{ server: 's', prompts: Array.from({ length: 50 }, (_, i) => prompt(`p${i}`)) }]);
    expect(matchCommands(many, 'p')).toHaveLength(20);
  });

  it('moves the selection with the arrows, wrapping', () => {
    expect(moveSelection(-1, 3, 'ArrowDown')).toBe(0);
    expect(moveSelection(-1, 3, 'ArrowUp')).toBe(2);
    expect(moveSelection(2, 3, 'ArrowDown')).toBe(0);
    expect(moveSelection(0, 3, 'ArrowUp')).toBe(2);
    expect(moveSelection(5, 3, 'ArrowDown')).toBe(0);
    expect(moveSelection(0, 0, 'ArrowDown')).toBe(-1);
  });

  it('turns arguments into a string schema with the required ones required', () => {
    const p = prompt('review', { arguments: [{ name: 'code', description: 'the code', required: true }, { name: 'style', description: '', required: false }] });
    expect(promptSchema(p)).toEqual({
      type: 'object',
      properties: { code: { type: 'string', description: 'the code' }, style: { type: 'string', description: '' } },
      required: ['code']
    });
  });

  it('names the required arguments left empty', () => {
    const p = prompt('review', { arguments: [{ name: 'code', description: '', required: true }, { name: 'style', description: '', required: false }] });
    expect(missingArguments(p, { code: ' ', style: '' })).toEqual(['code']);
    expect(missingArguments(p, { code: 'x' })).toEqual([]);
  });

  it('joins the filled messages, marking the assistant parts', () => {
    expect(promptText([{ role: 'user', text: 'a' }, { role: 'assistant', text: 'b' }])).toBe('a\n\n[assistant] b');
  });
});
