/**
 * Scroll decisions of the transcript, pure: whether the view follows the newest content (it does
 * while the user is at the bottom, and never after they scrolled up), when to load older
 * messages, and how far to scroll so that what the user reads stays where it was.
 */

/** At most this far from the bottom (px) counts as "at the bottom". */
export const PIN_SLACK_PX = 30;
/** Older messages load when the user scrolled to within this distance of the top (px). */
export const OLDER_AT_PX = 300;

export interface ScrollBox {
  scrollTop: number;
  scrollHeight: number;
  clientHeight: number;
}

/** The view is at (or within a few pixels of) its bottom: it follows new content. */
export function atBottom(box: ScrollBox, slack = PIN_SLACK_PX): boolean {
  return box.scrollHeight - box.scrollTop - box.clientHeight <= slack;
}

/** Whether the view follows new content after a scroll event (or a key / wheel of the user). */
export function pinnedAfter(
  box: ScrollBox,
  input: 'scroll' | 'wheel-up' | 'key-up' | 'wheel-down' | 'key-down',
  wasPinned: boolean
): boolean {
  if (input === 'wheel-up' || input === 'key-up') {
    return false; // the user moves away from the bottom: stop following at once
  }
  if (input === 'wheel-down' || input === 'key-down') {
    return wasPinned || atBottom(box);
  }
  return atBottom(box);
}

/** Load the page before the loaded messages: near the top, some are older, none loading. */
export function wantsOlder(box: ScrollBox, olderCount: number, loading: boolean, near = OLDER_AT_PX): boolean {
  return olderCount > 0 && !loading && box.scrollTop <= near;
}

/**
 * The scrollTop that keeps an element where it was on screen: `before` and `after` are its top
 * relative to the scroll box's top before and after the content changed.
 */
export function keepInPlace(scrollTop: number, before: number, after: number): number {
  return scrollTop + (after - before);
}

/** Index of the first of `bottoms` (ascending, relative to the box's top) that is below 0: the first visible. */
export function firstVisible(count: number, bottomOf: (i: number) => number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (bottomOf(mid) > 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}
