/**
 * What an approval card shows for a call of the built-in `jupyter` tools, as data (no DOM):
 * a one-line summary ("replaces cell 2 of a.ipynb"), the code that will run, and for edits a
 * line diff of the cell against its current source (looked up from the saved notebook, the
 * state the server edits). Every string here comes from the model's arguments: the view renders
 * them as text only.
 */

export const JUPYTER_SERVER = 'jupyter';

export type DiffOp = ' ' | '-' | '+';
export interface DiffLine {
  op: DiffOp;
  text: string;
}

export interface JupyterCallView {
  summary: string;
  /** code to run (execute_code) */
  code?: string;
  /** the cell the call reads its current source from, for edits and runs */
  cell?: { path: string; index: number };
  /** the cell's new source (insert / replace), or null when the cell goes (delete) */
  after?: string | null;
  /** the new notebook's cells (create_notebook) */
  cells?: { cell_type: string; source: string }[];
}

const MAX_DIFF_LINES = 400;

function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

function int(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) ? v : null;
}

/** The card's view of a `jupyter` call; null for other servers and for read-only tools. */
export function jupyterCallView(server: string | null | undefined, tool: string | null | undefined, args: Record<string, unknown>): JupyterCallView | null {
  if (server !== JUPYTER_SERVER) {
    return null;
  }
  const path = str(args.path, '?');
  const index = int(args.index);
  const at = index === null ? '?' : String(index);
  switch (tool) {
    case 'execute_code':
      return { summary: `runs code in the kernel of ${path}`, code: str(args.code) };
    case 'run_cell':
      return { summary: `runs cell ${at} of ${path} in its kernel`, cell: index === null ? undefined : { path, index } };
    case 'insert_cell':
      return {
        summary: `inserts a ${str(args.cell_type, 'code')} cell at ${index === -1 ? 'the end' : `index ${at}`} of ${path}`,
        after: str(args.source)
      };
    case 'replace_cell':
      return { summary: `replaces cell ${at} of ${path}`, cell: index === null ? undefined : { path, index }, after: str(args.source) };
    case 'delete_cell':
      return { summary: `deletes cell ${at} of ${path}`, cell: index === null ? undefined : { path, index }, after: null };
    case 'create_notebook': {
      const cells = Array.isArray(args.cells) ? args.cells : [];
      return {
        summary: `creates the notebook ${path}`,
        cells: cells.map(c => {
          const cell = (c && typeof c === 'object' ? c : {}) as Record<string, unknown>;
          return { cell_type: str(cell.cell_type, 'code'), source: str(cell.source) };
        })
      };
    }
    default:
      return null;
  }
}

/** A line diff of `before` -> `after` (longest common subsequence; plain -/+ past 400 lines). */
export function lineDiff(before: string, after: string): DiffLine[] {
  const a = before === '' ? [] : before.split('\n');
  const b = after === '' ? [] : after.split('\n');
  if (a.length > MAX_DIFF_LINES || b.length > MAX_DIFF_LINES) {
    return [...a.map(text => ({ op: '-' as const, text })), ...b.map(text => ({ op: '+' as const, text }))];
  }
  // lcs[i][j]: length of the LCS of a[i:] and b[j:]
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
      out.push({ op: '-', text: a[i++] });
    } else {
      out.push({ op: '+', text: b[j++] });
    }
  }
  for (; i < a.length; i++) {
    out.push({ op: '-', text: a[i] });
  }
  for (; j < b.length; j++) {
    out.push({ op: '+', text: b[j] });
  }
  return out;
}

