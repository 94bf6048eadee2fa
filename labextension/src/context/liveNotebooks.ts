/**
 * Open notebooks follow the edits of the built-in `jupyter` tools (`notebook_changed` frames):
 * the server already changed the file, so an open notebook without unsaved edits reloads it from
 * disk; one with unsaved edits gets the same change applied to its model, keeping the user's
 * work (saving then asks whether to overwrite the changed file, as JupyterLab always does).
 * A `notebook_request` (the `read_open_notebook` tool) is answered with the open notebook's
 * current model, unsaved edits included, through the `notebooks.answer` RPC.
 */

import type { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { ServerFrame } from '../protocol';
import type { ChatClient } from '../client';

type Changed = Extract<ServerFrame, { type: 'notebook_changed' }>;

function source(cell: Record<string, unknown>): string {
  const s = cell.source;
  return Array.isArray(s) ? s.join('') : typeof s === 'string' ? s : '';
}

function cellType(cell: Record<string, unknown>): 'code' | 'markdown' | 'raw' {
  return cell.cell_type === 'markdown' || cell.cell_type === 'raw' ? cell.cell_type : 'code';
}

/** Apply ``change`` to the open notebook's model (its unsaved edits stay). */
export function applyChange(panel: NotebookPanel, change: Changed): void {
  const shared = panel.content.model?.sharedModel;
  if (!shared) {
    return;
  }
  const cell = change.cell as Record<string, unknown>;
  const n = shared.cells.length;
  if (change.op === 'insert' && change.index >= 0 && change.index <= n) {
    shared.insertCell(change.index, { cell_type: cellType(cell), source: source(cell) });
  } else if (change.op === 'replace' && change.index >= 0 && change.index < n) {
    const current = shared.getCell(change.index);
    if (current.cell_type === cellType(cell)) {
      current.setSource(source(cell));
    } else {
      shared.transact(() => {
        shared.deleteCell(change.index);
        shared.insertCell(change.index, { cell_type: cellType(cell), source: source(cell) });
      });
    }
  } else if (change.op === 'delete' && change.index >= 0 && change.index < n) {
    shared.deleteCell(change.index);
  }
  // 'outputs' of a dirty notebook: its own outputs stay (the run's are in the file and the chat)
}

function answer(client: ChatClient, tracker: INotebookTracker, requestId: string, path: string): void {
  const panel = tracker.find(p => p.context.path === path);
  const model = panel?.content.model;
  const cells = model ? ((model.toJSON() as unknown as { cells?: Record<string, unknown>[] }).cells ?? []) : [];
  const params = model ? { request_id: requestId, open: true, dirty: model.dirty, cells } : { request_id: requestId, open: false };
  client.call('notebooks.answer', params).catch(() => undefined); // (the tool then reads the file)
}

export function followNotebookChanges(client: ChatClient, tracker: INotebookTracker): void {
  client.transport.onFrame(frame => {
    if (frame.type === 'notebook_request') {
      answer(client, tracker, frame.request_id, frame.path);
      return;
    }
    if (frame.type !== 'notebook_changed') {
      return;
    }
    const panel = tracker.find(p => p.context.path === frame.path);
    if (!panel) {
      return;
    }
    if (panel.context.model.dirty) {
      applyChange(panel, frame);
    } else {
      void panel.context.revert();
    }
  });
}
