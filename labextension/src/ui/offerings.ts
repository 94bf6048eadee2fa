/**
 * A server's resources and prompts in its details: resources (and filled templates) open with
 * resources.read; a prompt's "Use" asks for its arguments (the same schema form as argument edits)
 * and puts the filled prompt's text into the composer, where the user can read and send it.
 * Names, descriptions and texts are the server's words, shown as text.
 */
import type { JSONSchema, PromptInfo, PromptMessage, ResourceInfo, ResourceList } from '../protocol';
import { h } from '../dom';
import { OPEN_RESOURCE_EVENT, OpenResourceDetail, contentsView } from './media';
import { buildArgsForm } from './schemaForm';
import { remember } from './openDetails';
import { fillTemplate, templateVars } from '../model/uriTemplate';
import { promptSchema, promptText } from '../model/slashCommands';

/** The event a filled prompt sends up the DOM; the app puts ``text`` into the composer. */
export const INSERT_TEXT_EVENT = 'mcpchat-insert-text';

export interface InsertTextDetail {
  text: string;
}

/** The event "Attach" sends up the DOM; the composer's tray adds the resource as a chip. */
export const ATTACH_RESOURCE_EVENT = 'mcpchat-attach-resource';

export interface AttachResourceDetail {
  server: string;
  uri: string;
  label: string;
}

export interface OfferingsActions {
  resources(server: string): Promise<ResourceList>;
  prompts(server: string): Promise<PromptInfo[]>;
  prompt(server: string, name: string, args: Record<string, string>): Promise<PromptMessage[]>;
}

function small(label: string, testid: string, onClick: (btn: HTMLButtonElement) => void): HTMLButtonElement {
  const b = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': testid }, label);
  b.addEventListener('click', () => onClick(b));
  return b;
}

function openButton(server: string, uri: () => string, out: HTMLElement): HTMLButtonElement {
  return small('Open', 'resource-open', btn => {
    btn.disabled = true;
    const detail: OpenResourceDetail = {
      server,
      uri: uri(),
      show: result => {
        btn.disabled = false;
        out.replaceChildren(contentsView(result));
      }
    };
    btn.dispatchEvent(new CustomEvent<OpenResourceDetail>(OPEN_RESOURCE_EVENT, { bubbles: true, detail }));
  });
}

function attachButton(server: string, uri: () => string, label: string): HTMLButtonElement {
  return small('Attach', 'resource-attach', btn => {
    const detail: AttachResourceDetail = { server, uri: uri(), label: `${server}: ${label}`.slice(0, 200) };
    btn.dispatchEvent(new CustomEvent<AttachResourceDetail>(ATTACH_RESOURCE_EVENT, { bubbles: true, detail }));
  });
}

function resourceRow(server: string, r: ResourceInfo): HTMLElement {
  const out = h('div', { class: 'mcpchat-resource-out' });
  if (r.uri_template) {
    const template = r.uri_template;
    const vars = templateVars(template);
    const schema: JSONSchema = { type: 'object', properties: Object.fromEntries(vars.map(v => [v, { type: 'string' }])), required: vars };
    const form = buildArgsForm(schema, {});
    const filled = (): string => fillTemplate(template, form.read() as Record<string, string>);
    const attach = attachButton(server, filled, r.title ?? r.name);
    return h('li', { 'data-testid': 'resource-template' }, h('code', {}, template), ` ${r.title ?? r.name}`, form.el, openButton(server, filled, out), attach, out);
  }
  const uri = r.uri ?? '';
  const attach = attachButton(server, () => uri, r.title ?? r.name);
  return h('li', { 'data-testid': 'resource-item', title: r.description }, h('code', {}, uri), ` ${r.title ?? r.name} `, openButton(server, () => uri, out), attach, out);
}

function promptRow(server: string, p: PromptInfo, actions: OfferingsActions): HTMLElement {
  const schema = promptSchema(p);
  const form = buildArgsForm(schema, {});
  const error = h('div', { class: 'mcpchat-form-error', role: 'alert' });
  const use = small('Use', 'prompt-use', btn => {
    error.textContent = '';
    let args: Record<string, string>;
    try {
      args = Object.fromEntries(Object.entries(form.read()).map(([k, v]) => [k, String(v)]));
    } catch (err) {
      error.textContent = (err as Error).message;
      return;
    }
    btn.disabled = true;
    actions
      .prompt(server, p.name, args)
      .then(messages => {
        const text = promptText(messages);
        btn.dispatchEvent(new CustomEvent<InsertTextDetail>(INSERT_TEXT_EVENT, { bubbles: true, detail: { text } }));
      })
      .catch(err => (error.textContent = (err as Error).message))
      .finally(() => (btn.disabled = false));
  });
  return h(
    'li',
    { 'data-testid': 'prompt-item', 'data-prompt': p.name, title: p.description },
    h('code', {}, `/${p.name}`),
    p.title ? ` ${p.title}` : '',
    p.arguments.length ? form.el : null,
    use,
    error
  );
}

/** "Resources" and "Prompts" of a ready server, loaded when opened. */
export function offeringsView(server: string, actions: OfferingsActions): HTMLElement[] {
  const resources = h('details', { class: 'mcpchat-offerings', 'data-testid': 'server-resources' }, h('summary', {}, 'Resources'));
  const resBody = h('ul', {});
  resources.append(resBody);
  resources.addEventListener('toggle', () => {
    if (resources.open) {
      void actions
        .resources(server)
        .then(list => {
          const rows = [...list.resources, ...list.templates].map(r => resourceRow(server, r));
          resBody.replaceChildren(...(rows.length ? rows : [h('li', { class: 'mcpchat-empty' }, 'No resources.')]));
        })
        .catch(err => resBody.replaceChildren(h('li', { class: 'mcpchat-form-error' }, (err as Error).message)));
    }
  });
  const prompts = h('details', { class: 'mcpchat-offerings', 'data-testid': 'server-prompts' }, h('summary', {}, 'Prompts'));
  const promptBody = h('ul', {});
  prompts.append(promptBody);
  prompts.addEventListener('toggle', () => {
    if (prompts.open) {
      void actions
        .prompts(server)
        .then(list => {
          const rows = list.map(p => promptRow(server, p, actions));
          promptBody.replaceChildren(...(rows.length ? rows : [h('li', { class: 'mcpchat-empty' }, 'No prompts.')]));
        })
        .catch(err => promptBody.replaceChildren(h('li', { class: 'mcpchat-form-error' }, (err as Error).message)));
    }
  });
  remember(resources, `${server}\nresources`);
  remember(prompts, `${server}\nprompts`);
  return [resources, prompts];
}
