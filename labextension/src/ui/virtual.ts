/**
 * A virtualised transcript: of a long chat, only the items near the view are in the DOM; the
 * others are replaced by spacers of their measured height (an estimate until they were shown
 * once). The cost this removes is the browser's layout of every message at each streamed token
 * (benchmarks/README.md, 2026-12-02 virtualised transcript), not script.
 *
 * Always rendered, wherever they are: the streaming reply, messages whose tool calls wait for a
 * decision or run, the message holding the user's text selection and the node the view is anchored
 * on (ui/transcript.ts keeps it in place). Items marked `withPrevious` (a message's branch bar)
 * come and go with the item before them. Short transcripts (fewer than {@link VIRTUAL_MIN}
 * groups) are rendered whole. Known loss: the browser's find-in-page does not see messages that
 * are off screen in a long chat.
 *
 * `windowOf` is the pure part (which groups to render); `TranscriptWindow` measures and makes
 * the spacers.
 */
import { h } from '../dom';
import type { KeyedChildren, KeyedItem } from './keyed';

/** Transcripts with fewer groups than this are rendered whole (find-in-page sees all of them). */
export const VIRTUAL_MIN = 100;
/** How far above and below the view items stay rendered (px): scrolling shows no blank. */
export const OVERSCAN_PX = 1200;
/**
 * The same while the view follows the bottom (a reply streams in): less above it, so that each
 * token's layout and paint cover fewer messages; a scroll up renders the rest in the next frame,
 * and this much covers several wheel steps until then.
 */
export const PINNED_OVERSCAN_PX = 400;
/** The height assumed for a group never shown, before any was measured (px). */
export const ESTIMATE_PX = 120;

/** An item of the transcript; `withPrevious`: rendered exactly when the item before it is. */
export interface WindowItem extends KeyedItem {
  withPrevious?: boolean;
}

/** Where the view is, in the content's coordinates: its top and height, or at the bottom. */
export type View = { top: number; height: number } | { bottom: true; height: number };

/**
 * Which of the groups (their heights, top to bottom) to render for `view`: those within
 * `overscan` of it, and the `forced` ones.
 */
export function windowOf(heights: readonly number[], view: View, forced: ReadonlySet<number>, overscan = OVERSCAN_PX): boolean[] {
  const total = heights.reduce((a, b) => a + b, 0);
  const top = 'bottom' in view ? total - view.height : view.top;
  const from = top - overscan;
  const to = top + view.height + overscan;
  const out: boolean[] = [];
  let y = 0;
  heights.forEach((height, i) => {
    out.push(forced.has(i) || (y + height > from && y < to));
    y += height;
  });
  return out;
}

interface Group {
  key: string;
  items: WindowItem[];
}

function groupsOf(items: readonly WindowItem[]): Group[] {
  const groups: Group[] = [];
  for (const item of items) {
    const last = groups[groups.length - 1];
    if (item.withPrevious && last) {
      last.items.push(item);
    } else {
      groups.push({ key: item.key, items: [item] });
    }
  }
  return groups;
}

function spacer(height: number, prev: Node | undefined): HTMLElement {
  const el = (prev as HTMLElement | undefined) ?? h('div', { class: 'mcpchat-spacer', 'aria-hidden': 'true', 'data-testid': 'transcript-spacer' });
  el.style.height = `${Math.max(0, height)}px`;
  return el;
}

/** The rendered part of a transcript's items: choose it, then measure what was rendered. */
export class TranscriptWindow {
  /** Measured height of each group shown once (its first item's key -> px, with the gap after it). */
  private heights = new Map<string, number>();
  private shown: Group[] = [];
  /** Whether the last `select` left items out. */
  active = false;

  constructor(
    private content: HTMLElement,
    private kids: KeyedChildren
  ) {}

  clear(): void {
    this.heights.clear();
    this.shown = [];
    this.active = false;
  }

  private gap(): number {
    return parseFloat(getComputedStyle(this.content).rowGap) || 0;
  }

  private estimate(): number {
    if (this.heights.size === 0) {
      return ESTIMATE_PX;
    }
    let sum = 0;
    this.heights.forEach(v => (sum += v));
    return sum / this.heights.size;
  }

  /**
   * The items to render of `items`: all of them for a short transcript, else the groups
   * `windowOf` keeps and one spacer per run of the others. `view`: where the view is; `anchor`: the
   * item the view is kept on (its key and its top relative to the view's): the view is where that
   * item will be. `keep`: keys always rendered.
   */
  select(items: readonly WindowItem[], view: View, keep: ReadonlySet<string>, anchor?: { key: string; offset: number }): KeyedItem[] {
    const groups = groupsOf(items);
    if (groups.length < VIRTUAL_MIN) {
      this.active = false;
      this.shown = groups;
      return items as KeyedItem[];
    }
    const guess = this.estimate();
    const heights = groups.map(g => this.heights.get(g.key) ?? guess);
    const forced = new Set<number>();
    let anchorTop: number | null = null;
    let y = 0;
    groups.forEach((g, i) => {
      if (g.items.some(it => keep.has(it.key))) {
        forced.add(i);
      }
      if (anchor && g.items.some(it => it.key === anchor.key)) {
        forced.add(i);
        anchorTop = y;
      }
      y += heights[i];
    });
    const where: View = anchor && anchorTop !== null ? { top: anchorTop - anchor.offset, height: view.height } : view;
    const rendered = windowOf(heights, where, forced, 'bottom' in where ? PINNED_OVERSCAN_PX : OVERSCAN_PX);
    const out: KeyedItem[] = [];
    const gap = this.gap();
    let run = 0;
    let runKey = '';
    const flush = () => {
      if (runKey) {
        const height = run - gap;
        out.push({ key: `gap:${runKey}`, deps: [height], render: prev => spacer(height, prev) });
      }
      run = 0;
      runKey = '';
    };
    this.shown = [];
    groups.forEach((g, i) => {
      if (rendered[i]) {
        flush();
        out.push(...g.items);
        this.shown.push(g);
      } else {
        run += heights[i];
        runKey ||= g.key;
      }
    });
    flush();
    this.active = this.shown.length < groups.length;
    return out;
  }

  /** Measure the groups just rendered (each one's top to the next node's top). */
  measure(): void {
    if (!this.active) {
      return; // (nothing is left out: no spacer needs a height)
    }
    const gap = this.gap();
    const bottom = this.content.getBoundingClientRect().bottom;
    for (const g of this.shown) {
      const first = this.kids.nodeOf(g.key);
      const last = this.kids.nodeOf(g.items[g.items.length - 1].key);
      if (!(first instanceof Element) || !(last instanceof Element) || !first.isConnected) {
        continue;
      }
      const top = first.getBoundingClientRect().top;
      const next = last.nextElementSibling;
      const end = next ? next.getBoundingClientRect().top : bottom + gap;
      this.heights.set(g.key, Math.max(0, end - top));
    }
  }
}
