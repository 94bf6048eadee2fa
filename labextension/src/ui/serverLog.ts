/**
 * A server's own words in its details: its instructions (added to the system prompt of chats that
 * use it), notes (e.g. tools hidden from the model, and why) and its logging messages, loaded
 * when the log is opened. All of it is the server's text, shown as text.
 */
import type { ServerLogEntry, ServerStatus } from '../protocol';
import { h } from '../dom';
import { OfferingsActions, offeringsView } from './offerings';
import { remember } from './openDetails';

export type LoadLog = (name: string) => Promise<ServerLogEntry[]>;
export type SetRoots = (name: string, roots: string[]) => Promise<void>;

/** The directories the server is offered as the client's roots, one per line, changeable. */
function rootsView(s: ServerStatus, save: SetRoots): HTMLElement {
  const area = h('textarea', { class: 'mcpchat-roots-input', 'data-testid': 'server-roots-input', rows: 2, 'aria-label': `Roots of ${s.name}` });
  area.value = (s.roots ?? []).join('\n');
  const error = h('div', { class: 'mcpchat-form-error', role: 'alert' });
  const btn = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'server-roots-save' }, 'Save roots');
  btn.addEventListener('click', () => {
    error.textContent = '';
    btn.disabled = true;
    const roots = area.value.split('\n').map(x => x.trim()).filter(Boolean);
    void save(s.name, roots)
      .catch(err => (error.textContent = (err as Error).message))
      .finally(() => (btn.disabled = false));
  });
  const box = h(
    'details',
    { class: 'mcpchat-server-roots', 'data-testid': 'server-roots' },
    h('summary', { title: 'Directories the server is told it may work in (advice, not a sandbox)' }, `Roots: ${(s.roots ?? []).join(', ') || 'none'}`),
    area,
    btn,
    error
  );
  remember(box, `${s.name}\nroots`);
  return box;
}

function logList(entries: readonly ServerLogEntry[]): HTMLElement {
  if (entries.length === 0) {
    return h('div', { class: 'mcpchat-empty', 'data-testid': 'server-log-empty' }, 'No messages from this server yet.');
  }
  return h(
    'ol',
    { class: 'mcpchat-server-log-list' },
    ...entries.map(e =>
      h(
        'li',
        { class: `mcpchat-log-${e.level}`, 'data-testid': 'server-log-entry', 'data-level': e.level },
        h('span', { class: 'mcpchat-log-level' }, e.level),
        e.logger ? h('span', { class: 'mcpchat-log-logger' }, ` ${e.logger}`) : null,
        ' ',
        h('span', { class: 'mcpchat-log-text' }, e.text)
      )
    )
  );
}

function logView(name: string, load: LoadLog): HTMLElement {
  const body = h('div', { class: 'mcpchat-server-log-body' });
  const refresh = (): void => {
    void load(name)
      .then(entries => body.replaceChildren(logList(entries)))
      .catch(err => body.replaceChildren(h('div', { class: 'mcpchat-form-error' }, `Could not load the log: ${(err as Error).message}`)));
  };
  const reload = h('button', { type: 'button', class: 'mcpchat-btn mcpchat-small', 'data-testid': 'server-log-reload' }, 'Reload');
  reload.addEventListener('click', refresh);
  const box = h('details', { class: 'mcpchat-server-log', 'data-testid': 'server-log' }, h('summary', {}, 'Log'), reload, body);
  box.addEventListener('toggle', () => box.open && refresh());
  remember(box, `${name}\nlog`);
  return box;
}

/** Instructions, notes and log of a server's row (nothing for a server that said nothing). */
export function serverExtras(
  s: ServerStatus,
  load: LoadLog | undefined,
  offerings?: OfferingsActions,
  setRoots?: SetRoots
): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (setRoots) {
    out.push(rootsView(s, setRoots));
  }
  if (s.instructions) {
    const box = h(
      'details',
      { class: 'mcpchat-server-instructions', 'data-testid': 'server-instructions' },
      h('summary', { title: 'Added to the system prompt of chats that use this server' }, 'Instructions (in the system prompt)'),
      h('pre', {}, s.instructions)
    );
    remember(box, `${s.name}\ninstructions`);
    out.push(box);
  }
  for (const note of s.notes ?? []) {
    out.push(h('div', { class: 'mcpchat-note', 'data-testid': 'server-note' }, note));
  }
  if (offerings && s.state === 'ready') {
    out.push(...offeringsView(s.name, offerings));
  }
  if (load && s.state === 'ready') {
    out.push(logView(s.name, load));
  }
  return out;
}
