/**
 * The input of a choice field (../model/choices.ts): a select for one of a list (with an empty
 * "choose" entry when nothing is picked yet), a group of labelled checkboxes for several. The
 * options' titles are the server's text: text nodes only.
 */
import { h } from '../dom';
import type { Choices } from '../model/choices';

export interface ChoiceInput {
  readonly el: HTMLElement;
  /** The values picked now. */
  picked(): string[];
}

/** The input for `choices`, starting with `given` picked (or the schema's default). */
export function choiceInput(attrs: Record<string, string>, choices: Choices, given: unknown): ChoiceInput {
  const start = Array.isArray(given) ? given.map(String) : typeof given === 'string' ? [given] : [...choices.initial];
  if (!choices.multi) {
    const known = choices.options.some(o => o.value === start[0]);
    const select = h(
      'select',
      attrs,
      known ? null : h('option', { value: '' }, 'Choose…'),
      ...choices.options.map(o => h('option', { value: o.value }, o.label))
    );
    select.value = known ? start[0] : '';
    return { el: select, picked: () => (select.value === '' ? [] : [select.value]) };
  }
  const boxes = choices.options.map((o, i) => {
    const box = h('input', { type: 'checkbox', value: o.value, 'data-testid': `${attrs['data-testid']}-${i}` });
    box.checked = start.includes(o.value);
    return { box, el: h('label', { class: 'mcpchat-choice' }, box, ' ', o.label) };
  });
  const bounds =
    choices.min !== null && choices.max !== null
      ? `choose ${choices.min} to ${choices.max}`
      : choices.min !== null
        ? `choose at least ${choices.min}`
        : choices.max !== null
          ? `choose at most ${choices.max}`
          : null;
  const group = h(
    'div',
    { ...attrs, role: 'group', class: 'mcpchat-choices' },
    ...boxes.map(b => b.el),
    bounds ? h('span', { class: 'mcpchat-arg-desc' }, ` (${bounds})`) : null
  );
  return { el: group, picked: () => boxes.filter(b => b.box.checked).map(b => b.box.value) };
}
