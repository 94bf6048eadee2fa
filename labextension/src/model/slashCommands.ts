/**
 * Prompts as slash commands in the composer: which commands the chat's servers offer, what the
 * user is typing (`/rev`), which commands match, the keyboard's selection, the prompt's arguments
 * as a schema form, and the filled prompt as text. Plain functions (no DOM): ui/slashMenu.ts shows
 * them. Names, titles and descriptions are the servers' words: shown as text only.
 */
import type { JSONSchema, PromptInfo, PromptMessage } from '../protocol';

export interface SlashCommand {
  server: string;
  prompt: PromptInfo;
  /** What the user types, without the slash: the prompt's name, or `server:name` when another
   * server of the chat has a prompt of the same name. */
  command: string;
}

export const MAX_SHOWN = 20;

/** Every prompt of the given servers as a command (servers in the order given, prompts as listed). */
export function slashCommands(offered: readonly { server: string; prompts: readonly PromptInfo[] }[]): SlashCommand[] {
  const count = new Map<string, number>();
  for (const { prompts } of offered) {
    for (const name of new Set(prompts.map(p => p.name))) {
      count.set(name, (count.get(name) ?? 0) + 1);
    }
  }
  const out: SlashCommand[] = [];
  const seen = new Set<string>();
  for (const { server, prompts } of offered) {
    for (const prompt of prompts) {
      const command = (count.get(prompt.name) ?? 0) > 1 ? `${server}:${prompt.name}` : prompt.name;
      if (!seen.has(`${server}\n${prompt.name}`)) {
        seen.add(`${server}\n${prompt.name}`);
        out.push({ server, prompt, command });
      }
    }
  }
  return out;
}

/** The command being typed (the part before the caret): the composer holds only `/` and one
 * word; null otherwise (a slash later in the text, or text after a space, is just text). */
export function slashQuery(text: string, caret: number = text.length): string | null {
  if (!text.startsWith('/') || /\s/.test(text.trimEnd()) || caret < 1) {
    return null;
  }
  return text.slice(1, caret);
}

/** The commands matching `query` (case-insensitive): those whose command (or `server:name`)
 * starts with it first, then those whose name or title contains it; at most `MAX_SHOWN`. */
export function matchCommands(commands: readonly SlashCommand[], query: string): SlashCommand[] {
  const q = query.toLowerCase();
  const starts: SlashCommand[] = [];
  const contains: SlashCommand[] = [];
  for (const c of commands) {
    const full = `${c.server}:${c.prompt.name}`.toLowerCase();
    if (c.command.toLowerCase().startsWith(q) || full.startsWith(q)) {
      starts.push(c);
    } else if (c.prompt.name.toLowerCase().includes(q) || (c.prompt.title ?? '').toLowerCase().includes(q)) {
      contains.push(c);
    }
  }
  return [...starts, ...contains].slice(0, MAX_SHOWN);
}

/** The selection after an arrow key (wrapping); -1 when nothing can be selected. */
export function moveSelection(index: number, count: number, key: 'ArrowDown' | 'ArrowUp'): number {
  if (count <= 0) {
    return -1;
  }
  if (index < 0 || index >= count) {
    return key === 'ArrowDown' ? 0 : count - 1;
  }
  return (index + (key === 'ArrowDown' ? 1 : count - 1)) % count;
}

/** The prompt's arguments as an object schema of strings (the required ones required). */
export function promptSchema(prompt: PromptInfo): JSONSchema {
  return {
    type: 'object',
    properties: Object.fromEntries(prompt.arguments.map(a => [a.name, { type: 'string', description: a.description }])),
    required: prompt.arguments.filter(a => a.required).map(a => a.name)
  };
}

/** A filled prompt's messages as the text of the user's message (the assistant's parts marked). */
export function promptText(messages: readonly PromptMessage[]): string {
  return messages.map(m => (m.role === 'assistant' ? `[assistant] ${m.text}` : m.text)).join('\n\n');
}

/** The required arguments left empty (a string form field always reads, empty or not). */
export function missingArguments(prompt: PromptInfo, args: Record<string, string>): string[] {
  return prompt.arguments.filter(a => a.required && !(args[a.name] ?? '').trim()).map(a => a.name);
}
