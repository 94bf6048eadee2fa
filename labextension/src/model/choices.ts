/**
 * Choice fields of a JSON schema (the MCP elicitation spec's enum schemas, also found in tool
 * arguments): one of a list (`enum`, with the legacy `enumNames` as labels, or titled
 * `oneOf: [{const, title}]`) or several (`type: array` whose `items` are an `enum` or titled
 * `anyOf: [{const, title}]`, with `minItems` / `maxItems`). Pure: ../ui/choiceFields.ts renders
 * them as a select or checkboxes. Titles are the server's text (shown as text only).
 */
import type { JSONSchema } from '../protocol';

export interface Choice {
  readonly value: string;
  readonly label: string;
}

export interface Choices {
  /** Several may be picked (checkboxes), else one (a select). */
  readonly multi: boolean;
  readonly options: readonly Choice[];
  readonly min: number | null;
  readonly max: number | null;
  /** The schema's default: the picked value(s) a form starts with. */
  readonly initial: readonly string[];
}

/** `[{const, title}]` as choices; null unless every entry is one with a text `const`. */
function titled(list: unknown): Choice[] | null {
  if (!Array.isArray(list) || list.length === 0) {
    return null;
  }
  const out: Choice[] = [];
  for (const entry of list) {
    const e = entry as { const?: unknown; title?: unknown } | null;
    if (!e || typeof e !== 'object' || typeof e.const !== 'string') {
      return null;
    }
    out.push({ value: e.const, label: typeof e.title === 'string' && e.title ? e.title : e.const });
  }
  return out;
}

/** A text `enum` as choices (labelled by `enumNames` where it names each); null otherwise. */
function listed(schema: JSONSchema): Choice[] | null {
  const values = schema.enum;
  if (!Array.isArray(values) || values.length === 0 || !values.every(v => typeof v === 'string')) {
    return null;
  }
  const names = (schema as { enumNames?: unknown }).enumNames;
  const labels = Array.isArray(names) && names.length === values.length ? names : null;
  return (values as string[]).map((v, i) => ({ value: v, label: typeof labels?.[i] === 'string' && labels[i] ? String(labels[i]) : v }));
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : null;
}

/** The choices of a field's schema, or null when it is not a choice field. */
export function choicesOf(schema: JSONSchema): Choices | null {
  const kinds = Array.isArray(schema.type) ? schema.type : [schema.type];
  if (kinds.includes('array')) {
    const items = (schema.items ?? {}) as JSONSchema;
    const options = titled(items.anyOf) ?? titled(items.oneOf) ?? listed(items);
    if (!options) {
      return null;
    }
    const given = Array.isArray(schema.default) ? schema.default.filter((v): v is string => typeof v === 'string') : [];
    return { multi: true, options, min: count(schema.minItems), max: count(schema.maxItems), initial: given };
  }
  if (schema.type !== undefined && !kinds.includes('string')) {
    return null;
  }
  const options = titled(schema.oneOf) ?? titled(schema.anyOf) ?? listed(schema);
  if (!options) {
    return null;
  }
  const given = typeof schema.default === 'string' ? [schema.default] : [];
  return { multi: false, options, min: null, max: null, initial: given };
}

/**
 * The answer of a choice field from the picked values (in the order of the options): a list
 * (several), one value, or undefined (nothing picked, not required). Throws an Error naming the
 * field when the pick does not fit.
 */
export function pickedValue(name: string, choices: Choices, picked: readonly string[], required: boolean): string | string[] | undefined {
  const known = new Set(choices.options.map(o => o.value));
  const values = choices.options.map(o => o.value).filter(v => picked.includes(v) && known.has(v));
  if (!choices.multi) {
    if (values.length === 0) {
      if (required) {
        throw new Error(`${name}: choose one`);
      }
      return undefined;
    }
    return values[0];
  }
  if (values.length === 0 && !required && (choices.min ?? 0) > 0) {
    return undefined; // (left out: the field is optional)
  }
  if (choices.min !== null && values.length < choices.min) {
    throw new Error(`${name}: choose at least ${choices.min}`);
  }
  if (choices.max !== null && values.length > choices.max) {
    throw new Error(`${name}: choose at most ${choices.max}`);
  }
  return values;
}
