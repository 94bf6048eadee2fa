/**
 * Keyed rendering: a container's children as a list of items, each with a key and the inputs it
 * renders from (`deps`, compared by identity). An update renders only the items that are new or
 * whose inputs changed, keeps every other node as it is (so a finished message is never parsed
 * again, a text selection in it survives, a `<details>` keeps its open state) and moves nodes only
 * where the order changed.
 *
 * `planUpdate` is the pure part (which keys to render, which to drop); `KeyedChildren` applies it.
 */

export interface Keyed {
  key: string;
  /** What the node is made from; the node is made again when one of these changed (===). */
  deps: readonly unknown[];
}

export interface KeyedItem extends Keyed {
  /** Make the node; `prev` is this key's node before (to patch and return, or to replace). */
  render(prev: Node | undefined): Node;
}

export function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      return false;
    }
  }
  return true;
}

export interface Plan {
  /** Keys to render (new, or their deps changed). */
  render: Set<string>;
  /** Keys rendered before that are gone. */
  drop: string[];
}

/** What an update from `prev` (key -> deps) to `next` must do. Duplicate keys in `next` throw. */
export function planUpdate(prev: ReadonlyMap<string, readonly unknown[]>, next: readonly Keyed[]): Plan {
  const seen = new Set<string>();
  const render = new Set<string>();
  for (const item of next) {
    if (seen.has(item.key)) {
      throw new Error(`keyed render: the key ${item.key} is used twice`);
    }
    seen.add(item.key);
    const before = prev.get(item.key);
    if (!before || !sameDeps(before, item.deps)) {
      render.add(item.key);
    }
  }
  const drop = [...prev.keys()].filter(k => !seen.has(k));
  return { render, drop };
}

interface Entry {
  deps: readonly unknown[];
  node: Node;
}

/** The children of `el`, kept in step with a list of keyed items. */
export class KeyedChildren {
  private entries = new Map<string, Entry>();

  constructor(readonly el: Element) {}

  /** How many items the last update rendered (the rest were kept). */
  rendered = 0;

  private keys = new WeakMap<Node, string>();

  nodeOf(key: string): Node | undefined {
    return this.entries.get(key)?.node;
  }

  /** The key of a node this container rendered (undefined: none of its items). */
  keyOf(node: Node): string | undefined {
    const key = this.keys.get(node);
    return key !== undefined && this.entries.get(key)?.node === node ? key : undefined;
  }

  update(items: readonly KeyedItem[]): void {
    const deps = new Map<string, readonly unknown[]>();
    for (const [k, e] of this.entries) {
      deps.set(k, e.deps);
    }
    const plan = planUpdate(deps, items);
    for (const key of plan.drop) {
      const node = this.entries.get(key)?.node;
      node?.parentNode?.removeChild(node);
      this.entries.delete(key);
    }
    const next = new Map<string, Entry>();
    const nodes: Node[] = [];
    for (const item of items) {
      const old = this.entries.get(item.key);
      let node = old?.node;
      if (!node || plan.render.has(item.key)) {
        node = item.render(old?.node);
        if (old && old.node !== node) {
          old.node.parentNode?.removeChild(old.node);
        }
      }
      next.set(item.key, { deps: item.deps, node });
      this.keys.set(node, item.key);
      nodes.push(node);
    }
    this.entries = next;
    this.rendered = plan.render.size;
    // put the nodes in order, touching only those out of place
    let cursor: Node | null = this.el.firstChild;
    for (const node of nodes) {
      if (node === cursor) {
        cursor = cursor.nextSibling;
      } else {
        this.el.insertBefore(node, cursor);
      }
    }
    while (cursor) {
      const after: Node | null = cursor.nextSibling;
      this.el.removeChild(cursor); // not ours (nothing else writes here)
      cursor = after;
    }
  }

  clear(): void {
    this.entries.clear();
    this.el.replaceChildren();
  }
}
