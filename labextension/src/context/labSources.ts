/**
 * JupyterLab's side of one-click context: the active notebook, its selected cells and the
 * active cell's error output, read from the frontend's own notebook model (so unsaved edits are
 * what the model sees), as attachments.
 */

import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { Attachment } from '../protocol';
import type { ContextSources } from './attachments';

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

interface CellLike {
  type: string;
  source: string;
  outputs: Record<string, unknown>[];
}

function joined(v: unknown): string {
  return Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '';
}

/** An nbformat output as text for the model (images are named, not sent). */
export function outputText(o: Record<string, unknown>): string {
  const kind = o.output_type;
  if (kind === 'stream') {
    return `[${String(o.name ?? 'stdout')}]\n${joined(o.text)}`;
  }
  if (kind === 'error') {
    const trace = (Array.isArray(o.traceback) ? o.traceback.map(String) : []).join('\n').replace(ANSI, '');
    return `[error] ${String(o.ename ?? '')}: ${String(o.evalue ?? '')}\n${trace}`;
  }
  const data = (o.data ?? {}) as Record<string, unknown>;
  const images = Object.keys(data).filter(k => k.startsWith('image/'));
  const text = joined(data['text/plain']);
  return text ? `[output]\n${text}` : images.length ? `[image output: ${images.join(', ')}]` : '';
}

export function cellText(index: number, cell: CellLike): string {
  const outs = cell.outputs.map(outputText).filter(Boolean);
  return [`--- cell ${index} (${cell.type}) ---`, cell.source, ...outs].join('\n');
}

function cellsOf(panel: NotebookPanel): CellLike[] {
  return panel.content.widgets.map(w => {
    const json = w.model.toJSON() as unknown as Record<string, unknown>;
    return { type: w.model.type, source: w.model.sharedModel.getSource(), outputs: (json.outputs as Record<string, unknown>[]) ?? [] };
  });
}

export function labContextSources(tracker: INotebookTracker): ContextSources {
  const current = (): NotebookPanel | null => tracker.currentWidget;
  return {
    notebook: async (): Promise<Attachment | null> => {
      const panel = current();
      if (!panel) {
        return null;
      }
      const path = panel.context.path;
      const content = cellsOf(panel).map((c, i) => cellText(i, c)).join('\n');
      return { kind: 'notebook', label: path, path, content };
    },
    cells: async (): Promise<Attachment | null> => {
      const panel = current();
      if (!panel) {
        return null;
      }
      const nb = panel.content;
      const all = cellsOf(panel);
      const picked = all.map((c, i) => i).filter(i => nb.isSelectedOrActive(nb.widgets[i]));
      const path = panel.context.path;
      const label = picked.length === 1 ? `${path}: cell ${picked[0]}` : `${path}: cells ${picked.join(', ')}`;
      return { kind: 'cells', label, path, content: picked.map(i => cellText(i, all[i])).join('\n') };
    },
    error: async (): Promise<Attachment | null> => {
      const panel = current();
      const index = panel?.content.activeCellIndex ?? -1;
      if (!panel || index < 0) {
        return null;
      }
      const cell = cellsOf(panel)[index];
      const errors = cell?.outputs.filter(o => o.output_type === 'error') ?? [];
      if (!errors.length) {
        return null;
      }
      const path = panel.context.path;
      const content = [`--- cell ${index} ---`, cell.source, ...errors.map(outputText)].join('\n');
      return { kind: 'error', label: `${path}: cell ${index} error`, path, content };
    }
  };
}
