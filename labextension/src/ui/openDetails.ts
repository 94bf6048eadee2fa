/**
 * Which `<details>` of the servers panel the user opened. The panel's rows are made again when a
 * server's status changes (it connected, its lists changed, it logged something), and a section
 * the user had opened must not snap shut under their cursor: `remember` re-opens it, and its
 * toggle listeners then load its contents again.
 */
const openKeys = new Set<string>();

/** Keep `box` open across re-renders under `key` (e.g. `server\nlog`). Call after adding the
 * box's own toggle listeners: re-opening fires them, so the section is listed again. */
export function remember(box: HTMLDetailsElement, key: string): void {
  box.addEventListener('toggle', () => (box.open ? openKeys.add(key) : openKeys.delete(key)));
  if (openKeys.has(key)) {
    queueMicrotask(() => (box.open = true));
  }
}

/** Whether `key` is remembered as open (for tests and for sections rendered open from the start). */
export function isRemembered(key: string): boolean {
  return openKeys.has(key);
}
