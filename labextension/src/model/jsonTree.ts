/**
 * What a tool result is and how its JSON shows as a tree (pure: no DOM; ui/toolResult.ts renders
 * it). The tree is bounded: deep or wide documents are cut with a "… n more" line, so a hostile or
 * huge result cannot make the view build millions of nodes.
 */

export type ResultKind = 'json' | 'markdown' | 'text';

/** Larger results are shown as text. */
export const MAX_RENDERED = 200_000;

const MARKDOWN_HINTS = [
  /^#{1,6} \S/m, // heading
  /^\s{0,3}(?:[-*+]|\d+[.)]) \S/m, // list
  /^\|.+\|\s*$/m, // table row
  /^```/m, // code fence
  /!?\[[^\]\n]*\]\([^)\s]+\)/, // link or image
  /\*\*[^*\n]+\*\*/ // bold
];

export function resultKind(content: string): { kind: ResultKind; value?: unknown } {
  const text = content.trim();
  if (!text || text.length > MAX_RENDERED) {
    return { kind: 'text' };
  }
  if (text[0] === '{' || text[0] === '[') {
    try {
      return { kind: 'json', value: JSON.parse(text) };
    } catch {
      // not JSON
    }
  }
  return MARKDOWN_HINTS.some(r => r.test(text)) ? { kind: 'markdown' } : { kind: 'text' };
}

export interface JsonNode {
  /** The key or index ('' for the root). */
  label: string;
  kind: 'object' | 'array' | 'string' | 'number' | 'boolean' | 'null';
  /** A scalar's text (strings quoted as JSON), or a container's summary ("{3 keys}", "[10 items]"). */
  text: string;
  children?: JsonNode[];
  /** Children left out (too many, or too deep). */
  more?: number;
  /** A string that is an inline image (`data:image/png|jpeg|gif|webp;base64,...`), whole. */
  image?: string;
}

const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=]+$/i;
/** Larger inline images are not shown. */
const MAX_IMAGE = 2_000_000;

export interface TreeLimits {
  depth: number;
  children: number;
  /** Longer strings are cut (with their length said). */
  string: number;
}

export const TREE_LIMITS: TreeLimits = { depth: 12, children: 200, string: 2000 };

function scalar(label: string, value: unknown, limits: TreeLimits): JsonNode {
  if (value === null || value === undefined) {
    return { label, kind: 'null', text: 'null' };
  }
  if (typeof value === 'string') {
    const cut = value.length > limits.string;
    const text = JSON.stringify(cut ? value.slice(0, limits.string) : value);
    const node: JsonNode = { label, kind: 'string', text: cut ? `${text}… (${value.length} characters)` : text };
    if (value.length <= MAX_IMAGE && DATA_IMAGE.test(value)) {
      node.image = value;
    }
    return node;
  }
  if (typeof value === 'number') {
    return { label, kind: 'number', text: String(value) };
  }
  return { label, kind: 'boolean', text: String(value) };
}

export function jsonTree(value: unknown, limits: TreeLimits = TREE_LIMITS, label = '', depth = 0): JsonNode {
  if (value === null || typeof value !== 'object') {
    return scalar(label, value, limits);
  }
  const array = Array.isArray(value);
  const entries: [string, unknown][] = array
    ? (value as unknown[]).map((v, i) => [String(i), v])
    : Object.entries(value as Record<string, unknown>);
  const n = entries.length;
  const text = array ? `[${n} item${n === 1 ? '' : 's'}]` : `{${n} key${n === 1 ? '' : 's'}}`;
  const node: JsonNode = { label, kind: array ? 'array' : 'object', text };
  if (depth >= limits.depth) {
    node.children = [];
    node.more = n;
    return node;
  }
  node.children = entries.slice(0, limits.children).map(([k, v]) => jsonTree(v, limits, k, depth + 1));
  if (n > limits.children) {
    node.more = n - limits.children;
  }
  return node;
}

/** A duration as a card shows it: "850 ms", "1.2 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) {
    return `${Math.max(0, Math.round(ms))} ms`;
  }
  if (ms < 60_000) {
    return `${(ms / 1000).toFixed(1)} s`;
  }
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** When the UI saw each call start running and get its result (durations of live calls). */
export class CallTimes {
  private started = new Map<string, number>();
  private took = new Map<string, number>();

  constructor(private now: () => number = () => Date.now()) {}

  /** Note what is running and what has a result now. */
  observe(running: Iterable<string>, answered: Iterable<string>): void {
    const t = this.now();
    for (const id of running) {
      if (!this.started.has(id)) {
        this.started.set(id, t);
      }
    }
    for (const id of answered) {
      const start = this.started.get(id);
      if (start !== undefined && !this.took.has(id)) {
        this.took.set(id, t - start);
      }
    }
  }

  /** How long the call ran, when this UI saw it start and finish. */
  durationOf(id: string): number | null {
    return this.took.get(id) ?? null;
  }
}
