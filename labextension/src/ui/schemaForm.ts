import type { JSONSchema } from '../protocol';
import { h } from '../dom';
import { choicesOf, pickedValue } from '../model/choices';
import { choiceInput } from './choiceFields';

/** An edit form for tool arguments, generated from the tool's JSON schema. */
export interface ArgsForm {
  el: HTMLElement;
  /** The edited arguments; throws an Error with a readable message when invalid. */
  read(): Record<string, unknown>;
}

function typeOf(schema: JSONSchema): string {
  const t = schema.type;
  if (Array.isArray(t)) {
    return t.find(x => x !== 'null') ?? 'string';
  }
  if (t) {
    return t;
  }
  const any = (schema.anyOf ?? schema.oneOf) as JSONSchema[] | undefined;
  if (Array.isArray(any)) {
    const first = any.find(s => s.type && s.type !== 'null');
    if (first) {
      return typeOf(first);
    }
  }
  return 'json';
}

type Reader = () => unknown;

function field(name: string, schema: JSONSchema, given: unknown, required: boolean): { el: HTMLElement; read: Reader } {
  const kind = typeOf(schema);
  // an argument the model left out shows the tool's default (and is still left out unless changed)
  const fromDefault = given === undefined && schema.default !== undefined;
  const value = fromDefault ? schema.default : given;
  const id = `mcpchat-arg-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const label = h(
    'label',
    { for: id, class: 'mcpchat-arg-label' },
    name,
    required ? h('span', { class: 'mcpchat-required', title: 'required' }, ' *') : null,
    schema.description ? h('span', { class: 'mcpchat-arg-desc' }, ` — ${schema.description}`) : null
  );
  // the name a screen reader says (the visible label is the bare parameter name and a star)
  const attrs = { id, 'data-testid': `arg-${name}`, 'data-arg': name, 'aria-label': `Argument ${name}${required ? ' (required)' : ''}` };
  const choices = choicesOf(schema);
  if (choices) {
    // one or several of a list (titled or not): a select or checkboxes, never the JSON fallback
    const view = choiceInput(attrs, choices, value);
    const first = view.picked().join('\n');
    const readChoice: Reader = () =>
      fromDefault && view.picked().join('\n') === first ? undefined : pickedValue(name, choices, view.picked(), required);
    return { el: h('div', { class: 'mcpchat-arg', 'data-default': fromDefault ? 'true' : undefined }, label, view.el), read: readChoice };
  }
  let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  let read: Reader;
  if (Array.isArray(schema.enum)) {
    const select = h('select', attrs, ...schema.enum.map(v => h('option', { value: JSON.stringify(v) }, String(v))));
    select.value = JSON.stringify(value ?? schema.enum[0]);
    input = select;
    read = () => JSON.parse(select.value);
  } else if (kind === 'boolean') {
    const box = h('input', { ...attrs, type: 'checkbox' });
    box.checked = Boolean(value);
    input = box;
    read = () => box.checked;
  } else if (kind === 'number' || kind === 'integer') {
    const num = h('input', { ...attrs, type: 'number', step: kind === 'integer' ? '1' : 'any' });
    num.value = value === undefined || value === null ? '' : String(value);
    input = num;
    read = () => {
      if (num.value.trim() === '') {
        if (required) {
          throw new Error(`${name} is required`);
        }
        return undefined;
      }
      const n = Number(num.value);
      if (Number.isNaN(n) || (kind === 'integer' && !Number.isInteger(n))) {
        throw new Error(`${name} must be ${kind === 'integer' ? 'an integer' : 'a number'}`);
      }
      return n;
    };
  } else if (kind === 'string') {
    const text = h('input', { ...attrs, type: 'text' });
    text.value = value === undefined || value === null ? '' : String(value);
    input = text;
    read = () => (text.value === '' && !required ? undefined : text.value);
  } else {
    const area = h('textarea', { ...attrs, rows: 3, class: 'mcpchat-json' });
    area.value = value === undefined ? '' : JSON.stringify(value, null, 2);
    input = area;
    read = () => {
      if (area.value.trim() === '') {
        if (required) {
          throw new Error(`${name} is required`);
        }
        return undefined;
      }
      try {
        return JSON.parse(area.value);
      } catch {
        throw new Error(`${name} must be valid JSON`);
      }
    };
  }
  const shown = input instanceof HTMLInputElement && input.type === 'checkbox' ? String(input.checked) : input.value;
  const current = () => (input instanceof HTMLInputElement && input.type === 'checkbox' ? String(input.checked) : input.value);
  const readKeepingDefault: Reader = () => (fromDefault && current() === shown ? undefined : read());
  return {
    el: h('div', { class: 'mcpchat-arg', 'data-default': fromDefault ? 'true' : undefined }, label, input),
    read: readKeepingDefault
  };
}

/** Form from `schema.properties`; a JSON textarea when the schema has none. */
export function buildArgsForm(schema: JSONSchema | undefined, args: Record<string, unknown>): ArgsForm {
  const props = schema?.properties ?? {};
  const names = Object.keys(props);
  for (const extra of Object.keys(args)) {
    if (!names.includes(extra)) {
      names.push(extra);
    }
  }
  if (names.length === 0 || !schema?.properties) {
    const area = h('textarea', { rows: 5, class: 'mcpchat-json', 'data-testid': 'args-json' });
    area.value = JSON.stringify(args, null, 2);
    return {
      el: h('div', { class: 'mcpchat-args-form' }, h('label', {}, 'Arguments (JSON)'), area),
      read: () => {
        let value: unknown;
        try {
          value = JSON.parse(area.value || '{}');
        } catch {
          throw new Error('arguments must be valid JSON');
        }
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          throw new Error('arguments must be a JSON object');
        }
        return value as Record<string, unknown>;
      }
    };
  }
  const required = new Set(schema.required ?? []);
  const fields = names.map(name => ({ name, ...field(name, props[name] ?? {}, args[name], required.has(name)) }));
  return {
    el: h('div', { class: 'mcpchat-args-form' }, ...fields.map(f => f.el)),
    read: () => {
      const out: Record<string, unknown> = {};
      for (const f of fields) {
        const v = f.read();
        if (v !== undefined) {
          out[f.name] = v;
        }
      }
      return out;
    }
  };
}
