/** The saved source of a notebook cell, through JupyterLab's contents service (the user's own
 * session): what the server-side `jupyter` tools edit, so the card's diff matches the edit. */

import type { Contents } from '@jupyterlab/services';

export async function savedCellSource(contents: Contents.IManager, path: string, index: number): Promise<string | null> {
  const model = await contents.get(path, { type: 'notebook', content: true });
  const cells = (model.content as { cells?: { source?: string | string[] }[] } | null)?.cells;
  const cell = cells && index >= 0 ? cells[index] : undefined;
  if (!cell) {
    return null;
  }
  return Array.isArray(cell.source) ? cell.source.join('') : (cell.source ?? '');
}
