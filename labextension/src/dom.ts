type Attrs = Record<string, string | number | boolean | undefined | null | EventListener>;
type Child = Node | string | null | undefined | false;

/** Keys `h()` never sets: markup or script from a string. */
const NEVER = new Set(['innerhtml', 'outerhtml', 'srcdoc']);
/** Attributes whose string value is a URL that the browser may load or navigate to. */
const URL_ATTRS = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background', 'ping']);
const SAFE_URL = /^(?:https?:|mailto:|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i;

/**
 * Create an element: `h('button', {class: 'x', 'data-testid': 'y', onclick: fn}, 'label')`.
 *
 * Safe with untrusted strings in attribute values and children: children are text nodes, never
 * parsed as HTML; `on*` keys take only functions (a string handler throws); `innerHTML`,
 * `outerHTML` and `srcdoc` throw; a URL attribute keeps only http(s), mailto and relative URLs.
 * HTML a model or server wrote goes through `render/untrusted.ts`, never through here.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) {
      continue;
    }
    const lower = key.toLowerCase();
    if (NEVER.has(lower)) {
      throw new Error(`h(): refusing to set ${key}`);
    }
    if (lower.startsWith('on')) {
      if (typeof value !== 'function') {
        throw new Error(`h(): ${key} takes a function, not a string`);
      }
      el.addEventListener(key.slice(2), value as EventListener);
    } else if (typeof value === 'function') {
      throw new Error(`h(): ${key} is not an event`);
    } else if (URL_ATTRS.has(lower) && !SAFE_URL.test(String(value).replace(/[\s\u0000-\u001f]/g, ''))) {
      continue; // javascript:, data:, vbscript: ... never
    } else if (key === 'value' && 'value' in el) {
      (el as unknown as HTMLInputElement).value = String(value);
    } else if (key === 'checked' && 'checked' in el) {
      (el as unknown as HTMLInputElement).checked = Boolean(value);
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return el;
}

export function clear(el: Element): void {
  while (el.firstChild) {
    el.removeChild(el.firstChild);
  }
}

/** Where the focus is: the element, its test id and the chat row it is in (a re-render makes a new
 * element for the same control). null: nowhere (the body, or nothing). */
export interface FocusPlace {
  node: Element;
  tid: string | undefined;
  chat: string | undefined;
}

export function focusPlace(doc: Document = document): FocusPlace | null {
  const node = doc.activeElement;
  if (!node || node === doc.body) {
    return null;
  }
  const tid = node instanceof HTMLElement ? node.dataset.testid : undefined;
  return { node, tid, chat: node.closest<HTMLElement>('[data-chat-id]')?.dataset.chatId };
}

/** Whether two focus places are the same control (the same element, or its re-rendered copy). */
export function samePlace(a: FocusPlace | null, b: FocusPlace | null): boolean {
  if (a === null || b === null) {
    return a === b;
  }
  return a.node === b.node || (a.tid !== undefined && a.tid === b.tid && a.chat === b.chat);
}

/**
 * Focus `target` once an awaited step is over, unless the user moved the focus meanwhile (into a
 * rename box, the search, a chat's buttons): an answer arriving late must not take the focus from
 * where they went. `before` is where the focus was when the step began; a focus a re-render lost
 * (now on the body) is taken.
 */
export function focusUnlessMoved(target: HTMLElement, before: FocusPlace | null): void {
  const now = focusPlace(target.ownerDocument);
  if (now === null || now.node === target || samePlace(before, now)) {
    target.focus();
  }
}
