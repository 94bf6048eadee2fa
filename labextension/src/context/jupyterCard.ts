/**
 * The approval card's body for a `jupyter` call: summary, the code to run, or a diff of the cell
 * against its current saved source; the raw arguments stay one click away. Text nodes only.
 */

import { h } from '../dom';
import { DiffLine, JupyterCallView, jupyterCallView, lineDiff } from './jupyterCall';

/** The current source of cell `index` of the notebook `path` (null: unknown). */
export type CellLookup = (path: string, index: number) => Promise<string | null>;

let lookup: CellLookup | null = null;

/** Set by the JupyterLab plugin (the notebook widget has none: the card shows the new source). */
export function setCellLookup(fn: CellLookup | null): void {
  lookup = fn;
}

function diffView(lines: DiffLine[]): HTMLElement {
  const kind = { ' ': 'same', '-': 'del', '+': 'add' } as const;
  return h(
    'pre',
    { class: 'mcpchat-jdiff', 'data-testid': 'cell-diff' },
    ...lines.map(l => h('div', { class: `mcpchat-jdiff-${kind[l.op]}` }, `${l.op} ${l.text}`))
  );
}

function fillFromCell(view: JupyterCallView, box: HTMLElement): void {
  const cell = view.cell;
  if (!cell || !lookup) {
    return;
  }
  lookup(cell.path, cell.index)
    .then(before => {
      if (before === null) {
        return;
      }
      if (view.after === undefined) {
        box.replaceChildren(h('pre', { class: 'mcpchat-jcode', 'data-testid': 'cell-code' }, before));
      } else {
        box.replaceChildren(diffView(lineDiff(before, view.after ?? '')));
      }
    })
    .catch(() => undefined); // the card still shows what the call asks
}

/** Labels of the tool's MCP annotations (read-only / destructive), for any server's card. */
/** The body of a `jupyter` call's card, or null (other servers, read-only tools). */
export function jupyterPreview(call: { server?: string | null; tool?: string | null; args: Record<string, unknown> }): HTMLElement | null {
  const view = jupyterCallView(call.server, call.tool, call.args);
  if (!view) {
    return null;
  }
  const box = h('div', { class: 'mcpchat-jbody' });
  if (view.code !== undefined) {
    box.append(h('pre', { class: 'mcpchat-jcode', 'data-testid': 'cell-code' }, view.code));
  } else if (view.cells) {
    for (const c of view.cells) {
      box.append(h('div', { class: 'mcpchat-jcell-type' }, c.cell_type), h('pre', { class: 'mcpchat-jcode' }, c.source));
    }
  } else if (view.after !== undefined) {
    box.append(diffView(lineDiff('', view.after ?? '')));
  }
  fillFromCell(view, box);
  return h(
    'div',
    { class: 'mcpchat-jupyter-call', 'data-testid': 'jupyter-call' },
    h('div', { class: 'mcpchat-jsummary' }, view.summary),
    box,
    h(
      'details',
      { class: 'mcpchat-jargs' },
      h('summary', {}, 'arguments'),
      h('pre', { class: 'mcpchat-args', 'data-testid': 'tool-args' }, JSON.stringify(call.args, null, 2))
    )
  );
}
