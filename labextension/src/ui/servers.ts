import type { ImportServers, ServerSpec, ServerStatus } from '../protocol';
import { h } from '../dom';
import { claimsReadOnly, readOnlyRuleButton, toolHints } from './annotations';
import { LoadLog, SetRoots, serverExtras } from './serverLog';
import type { OfferingsActions } from './offerings';

export interface ServerPanelActions {
  /** Toggle a server in the open chat. */
  toggle(name: string, on: boolean): void;
  connect(name: string): Promise<void>;
  remove(name: string): Promise<void>;
  add(spec: ServerSpec): Promise<void>;
  importConfig(doc: ImportServers): Promise<void>;
  /** Make the rule "always allow the tools this server says are read-only". */
  allowReadOnly?(server: string): Promise<void>;
  /** The server's logging messages (for its log view). */
  loadLog?: LoadLog;
  /** The server's resources and prompts (for its details). */
  offerings?: OfferingsActions;
  /** Change the roots the server is offered. */
  setRoots?: SetRoots;
}

const STATE_LABEL: Record<string, string> = {
  ready: 'ready',
  connecting: 'connecting…',
  disconnected: 'not connected',
  error: 'failed'
};

function serverRow(
  s: ServerStatus,
  selected: boolean,
  hasChat: boolean,
  actions: ServerPanelActions,
  openTools: Set<string>
): HTMLElement {
  const box = h('input', {
    type: 'checkbox',
    'data-testid': 'server-toggle',
    checked: selected,
    disabled: !hasChat,
    title: hasChat ? 'Use this server in the open chat' : 'Open a chat first'
  });
  box.addEventListener('change', () => actions.toggle(s.name, box.checked));
  const connect = h(
    'button',
    { class: 'mcpchat-btn mcpchat-small', 'data-testid': 'server-connect', title: 'Connect / reconnect now' },
    s.state === 'ready' ? 'Restart' : 'Connect'
  );
  connect.addEventListener('click', () => {
    connect.disabled = true;
    void actions.connect(s.name).finally(() => (connect.disabled = false));
  });
  let remove: HTMLElement | null = null;
  if (s.source === 'user') {
    const btn = h('button', { class: 'mcpchat-btn mcpchat-small', 'data-testid': 'server-remove' }, 'Remove');
    btn.addEventListener('click', () => {
      if (btn.dataset.confirm) {
        void actions.remove(s.name);
      } else {
        btn.dataset.confirm = '1';
        btn.textContent = 'Really remove?';
      }
    });
    remove = btn;
  }
  const tools = h(
    'details',
    { class: 'mcpchat-tools', 'data-testid': 'server-tools', open: openTools.has(s.name) },
    h('summary', {}, `${s.tools.length} tool${s.tools.length === 1 ? '' : 's'}`),
    h(
      'ul',
      {},
      ...s.tools.map(t =>
        h(
          'li',
          { title: t.description ?? '', 'data-tool': t.tool },
          h('code', {}, t.tool),
          toolHints(t),
          t.description ? ` — ${t.description.split('\n')[0]}` : ''
        )
      )
    ),
    actions.allowReadOnly && s.tools.some(t => claimsReadOnly(t.annotations)) ? readOnlyRuleButton(s.name, actions.allowReadOnly) : null
  );
  tools.addEventListener('toggle', () => (tools.open ? openTools.add(s.name) : openTools.delete(s.name)));
  const spec = s.spec;
  const where = spec ? (spec.transport === 'stdio' || !spec.transport ? [spec.command ?? '', ...(spec.args ?? [])].join(' ') : spec.url ?? '') : '';
  return h(
    'div',
    { class: 'mcpchat-server', 'data-testid': 'server-row', 'data-server': s.name, 'data-state': s.state },
    h(
      'div',
      { class: 'mcpchat-server-head' },
      h('label', { class: 'mcpchat-server-label' }, box, h('span', { class: `mcpchat-dot mcpchat-dot-${s.state}`, 'data-testid': 'server-dot', title: STATE_LABEL[s.state] ?? s.state }), h('span', { class: 'mcpchat-server-name' }, s.name)),
      h('span', { class: 'mcpchat-server-state', 'data-testid': 'server-state' }, STATE_LABEL[s.state] ?? s.state),
      s.source === 'catalog' ? h('span', { class: 'mcpchat-tag' }, 'catalog') : null,
      h('span', { class: 'mcpchat-spacer' }),
      connect,
      remove
    ),
    where ? h('div', { class: 'mcpchat-server-where' }, where) : null,
    s.error ? h('div', { class: 'mcpchat-server-error', 'data-testid': 'server-error' }, s.error) : null,
    s.tools.length ? tools : null,
    ...serverExtras(s, actions.loadLog, actions.offerings, actions.setRoots)
  );
}

function lines(text: string): string[] {
  return text
    .split('\n')
    .map(x => x.trim())
    .filter(Boolean);
}

function pairs(text: string, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of lines(text)) {
    const i = line.indexOf(line.includes('=') ? '=' : ':');
    if (i <= 0) {
      throw new Error(`${what}: "${line}" is not KEY=VALUE`);
    }
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

function addForm(actions: ServerPanelActions): HTMLElement {
  const name = h('input', { type: 'text', 'data-testid': 'add-name', 'aria-label': 'Server name', placeholder: 'name, e.g. time' });
  const transport = h(
    'select',
    { 'data-testid': 'add-transport', 'aria-label': 'Transport' },
    h('option', { value: 'stdio' }, 'stdio (local command)'),
    h('option', { value: 'streamable_http' }, 'HTTP (streamable)'),
    h('option', { value: 'sse' }, 'SSE')
  );
  const command = h('input', { type: 'text', 'data-testid': 'add-command', 'aria-label': 'Command', placeholder: 'command, e.g. uvx' });
  const args = h('textarea', { rows: 2, 'data-testid': 'add-args', 'aria-label': 'Arguments, one per line', placeholder: 'arguments, one per line' });
  const env = h('textarea', { rows: 2, 'data-testid': 'add-env', 'aria-label': 'Environment, KEY=VALUE per line', placeholder: 'environment, KEY=VALUE per line' });
  const url = h('input', { type: 'text', 'data-testid': 'add-url', 'aria-label': 'Server URL', placeholder: 'https://host/mcp' });
  const headers = h('textarea', { rows: 2, 'data-testid': 'add-headers', 'aria-label': 'HTTP headers, Name: value per line', placeholder: 'headers, Name: value per line' });
  const error = h('div', { class: 'mcpchat-form-error', 'data-testid': 'add-error' });
  const stdioBox = h('div', { class: 'mcpchat-form-group' }, command, args, env);
  const httpBox = h('div', { class: 'mcpchat-form-group', hidden: true }, url, headers);
  transport.addEventListener('change', () => {
    stdioBox.hidden = transport.value !== 'stdio';
    httpBox.hidden = transport.value === 'stdio';
  });
  const submit = h('button', { class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'add-submit' }, 'Add server');
  submit.addEventListener('click', () => {
    error.textContent = '';
    let spec: ServerSpec;
    try {
      const t = transport.value as ServerSpec['transport'];
      spec =
        t === 'stdio'
          ? { name: name.value.trim(), transport: t, command: command.value.trim(), args: lines(args.value), env: pairs(env.value, 'environment') }
          : { name: name.value.trim(), transport: t, url: url.value.trim(), headers: pairs(headers.value, 'headers') };
    } catch (err) {
      error.textContent = (err as Error).message;
      return;
    }
    submit.disabled = true;
    actions
      .add(spec)
      .then(() => {
        for (const input of [name, command, args, env, url, headers]) {
          input.value = '';
        }
      })
      .catch(err => (error.textContent = (err as Error).message))
      .finally(() => (submit.disabled = false));
  });
  return h(
    'details',
    { class: 'mcpchat-add', 'data-testid': 'add-server' },
    h('summary', {}, 'Add MCP server'),
    h('div', { class: 'mcpchat-form' }, name, transport, stdioBox, httpBox, error, submit)
  );
}

const isObject = (x: unknown): x is Record<string, unknown> => !!x && typeof x === 'object' && !Array.isArray(x);

/** The `servers.import` params from a pasted Claude Desktop config; throws when it has no `mcpServers`. */
function importDoc(doc: unknown, replace: boolean): ImportServers {
  const servers = isObject(doc) ? doc.mcpServers : undefined;
  if (!isObject(servers)) {
    throw new Error('Expected {"mcpServers": {"<name>": {"command": ..., "args": [...]}, ...}}');
  }
  const mcpServers: ImportServers['mcpServers'] = {};
  for (const [name, spec] of Object.entries(servers)) {
    if (!isObject(spec)) {
      throw new Error(`mcpServers.${name} is not an object`);
    }
    mcpServers[name] = spec;
  }
  return { mcpServers, replace };
}

function importForm(actions: ServerPanelActions): HTMLElement {
  const area = h('textarea', {
    rows: 6,
    class: 'mcpchat-json',
    'data-testid': 'import-json', 'aria-label': 'Claude Desktop JSON config',
    placeholder: '{"mcpServers": {"time": {"command": "uvx", "args": ["mcp-server-time"]}}}'
  });
  const replace = h('input', { type: 'checkbox', 'data-testid': 'import-replace' });
  const error = h('div', { class: 'mcpchat-form-error', 'data-testid': 'import-error' });
  const submit = h('button', { class: 'mcpchat-btn mcpchat-primary', 'data-testid': 'import-submit' }, 'Import');
  submit.addEventListener('click', () => {
    error.textContent = '';
    let doc: ImportServers;
    try {
      doc = importDoc(JSON.parse(area.value), replace.checked);
    } catch (err) {
      error.textContent = err instanceof SyntaxError ? `Not valid JSON: ${err.message}` : (err as Error).message;
      return;
    }
    submit.disabled = true;
    actions
      .importConfig(doc)
      .then(() => (area.value = ''))
      .catch(err => (error.textContent = (err as Error).message))
      .finally(() => (submit.disabled = false));
  });
  return h(
    'details',
    { class: 'mcpchat-add', 'data-testid': 'import-servers' },
    h('summary', {}, 'Import Claude Desktop config'),
    h('div', { class: 'mcpchat-form' }, area, h('label', {}, replace, ' replace servers with the same name'), error, submit)
  );
}

/** The add / import forms: created once and kept across re-renders (typed input survives). */
export function createServerForms(actions: ServerPanelActions): HTMLElement[] {
  return [addForm(actions), importForm(actions)];
}

/** The MCP server picker of the open chat, plus the (persistent) add / import forms. */
export function renderServerPanel(
  servers: readonly ServerStatus[],
  chatServers: string[] | null,
  actions: ServerPanelActions,
  forms: HTMLElement[],
  openTools: Set<string>
): HTMLElement {
  const selected = new Set(chatServers ?? []);
  return h(
    'div',
    { class: 'mcpchat-servers', 'data-testid': 'server-panel' },
    h('div', { class: 'mcpchat-section-title' }, chatServers ? 'MCP servers of this chat' : 'MCP servers'),
    servers.length === 0 ? h('div', { class: 'mcpchat-empty' }, 'No MCP servers yet: add one below.') : null,
    ...servers.map(s => serverRow(s, selected.has(s.name), chatServers !== null, actions, openTools)),
    ...forms
  );
}
