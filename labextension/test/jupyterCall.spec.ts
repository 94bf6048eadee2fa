import { describe, expect, it } from 'vitest';
import { jupyterCallView, lineDiff } from '../src/context/jupyterCall';

describe('the card of a jupyter call', () => {
  it('shows the code that will run', () => {
    const view = jupyterCallView('jupyter', 'execute_code', { path: 'a.ipynb', code: 'import os\nos.remove("x")' });
    expect(view).toEqual({ summary: 'runs code in the kernel of a.ipynb', code: 'import os\nos.remove("x")' });
  });

  it('diffs an edited cell against its current source', () => {
    const view = jupyterCallView('jupyter', 'replace_cell', { path: 'a.ipynb', index: 2, source: 'a = 1\nb = 3' });
    expect(view?.summary).toBe('replaces cell 2 of a.ipynb');
    expect(view?.cell).toEqual({ path: 'a.ipynb', index: 2 });
    expect(lineDiff('a = 1\nb = 2\nc = 4', view!.after!)).toEqual([
      { op: ' ', text: 'a = 1' },
      { op: '-', text: 'b = 2' },
      { op: '-', text: 'c = 4' },
      { op: '+', text: 'b = 3' }
    ]);
    expect(jupyterCallView('jupyter', 'delete_cell', { path: 'a.ipynb', index: 0 })?.after).toBeNull();
  });

  it('is only for the jupyter server, and not for read-only tools', () => {
    expect(jupyterCallView('evil', 'execute_code', { code: 'x' })).toBeNull();
    expect(jupyterCallView('jupyter', 'read_notebook', { path: 'a.ipynb' })).toBeNull();
  });

  it('survives hostile arguments (wrong types) and keeps them as text', () => {
    const view = jupyterCallView('jupyter', 'create_notebook', { path: 7, cells: [null, { source: '<img src=x onerror=alert(1)>' }] });
    expect(view?.summary).toBe('creates the notebook ?');
    expect(view?.cells).toEqual([
      { cell_type: 'code', source: '' },
      { cell_type: 'code', source: '<img src=x onerror=alert(1)>' }
    ]);
    expect(jupyterCallView('jupyter', 'replace_cell', { path: 'a', index: '1; rm', source: 5 })?.cell).toBeUndefined();
  });
});
