/**
 * Whether the focus is moving because of the user's own click or key press. A blur during one is
 * the user leaving a field (a click elsewhere, Tab); a blur outside one is the page moving the
 * focus on its own (JupyterLab activating its launcher once it has restored, a late answer
 * focusing the composer), which must not end what the user is typing.
 *
 * The browser moves the focus as the default action of `pointerdown`/`mousedown` and `keydown`,
 * in the same task as the event; so a gesture counts until the next task starts.
 */
const acting = new WeakMap<Document, boolean>();

/** Start watching `doc` (call when a field that uses {@link userIsActing} is created). */
export function watchUserActions(doc: Document): void {
  if (acting.has(doc)) {
    return;
  }
  acting.set(doc, false);
  const mark = () => {
    acting.set(doc, true);
    setTimeout(() => acting.set(doc, false), 0);
  };
  doc.addEventListener('pointerdown', mark, true);
  doc.addEventListener('mousedown', mark, true);
  doc.addEventListener('keydown', mark, true);
}

/** Whether a click or key press of the user is being handled in `doc` right now. */
export function userIsActing(doc: Document): boolean {
  return acting.get(doc) === true;
}
