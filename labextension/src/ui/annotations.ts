import type { ToolAnnotations } from '../protocol';
import { h } from '../dom';

/** The `tool` of an approval rule for every tool its server claims to be read-only. */
export const READ_ONLY_TOOLS = '@read-only';

/** What a tool record says about itself (ToolInfo, PendingCall): the server's claims. */
export interface Annotated {
  title?: string | null;
  annotations?: ToolAnnotations | null;
}

interface Badge {
  key: string;
  label: string;
  hint: string;
}

/** The server says read-only and does not also say destructive (as `claims_read_only`). */
export function claimsReadOnly(a: ToolAnnotations | null | undefined): boolean {
  return !!a && a.read_only === true && a.destructive !== true;
}

/** The badges of a tool's hints (only hints the server gave; none: no badges). */
export function badgesOf(a: ToolAnnotations | null | undefined): Badge[] {
  if (!a) {
    return [];
  }
  const out: Badge[] = [];
  const claim = '(the server says so; nothing checks it)';
  if (a.read_only === true && a.destructive === true) {
    out.push({ key: 'conflict', label: 'contradicting hints', hint: `Says read-only and destructive ${claim}: treated as not read-only` });
  } else if (a.read_only === true) {
    out.push({ key: 'read-only', label: 'read-only', hint: `Does not change anything ${claim}` });
  }
  if (a.read_only !== true && a.destructive === true) {
    out.push({ key: 'destructive', label: 'destructive', hint: `May delete or overwrite data ${claim}` });
  }
  if (a.open_world === true) {
    out.push({ key: 'open-world', label: 'open world', hint: `Reaches outside systems, e.g. the web ${claim}` });
  }
  if (a.idempotent === true && a.read_only !== true) {
    out.push({ key: 'idempotent', label: 'idempotent', hint: `Repeating it with the same arguments is harmless ${claim}` });
  }
  return out;
}

/** The tool's badges as one inline element (null: none). */
export function toolBadges(t: Annotated): HTMLElement | null {
  const badges = badgesOf(t.annotations);
  if (!badges.length) {
    return null;
  }
  return h(
    'span',
    { class: 'mcpchat-badges', 'data-testid': 'tool-badges' },
    ...badges.map(b => h('span', { class: `mcpchat-badge mcpchat-badge-${b.key}`, 'data-badge': b.key, title: b.hint }, b.label))
  );
}

/** The tool's human-readable title (as text), when the server gave one. */
export function toolTitle(t: Annotated): HTMLElement | null {
  return t.title ? h('span', { class: 'mcpchat-tool-title', 'data-testid': 'tool-title' }, t.title) : null;
}

/** Title and badges for a card's head or a tool list (nothing when the server said nothing). */
export function toolHints(t: Annotated): HTMLElement | null {
  const title = toolTitle(t);
  const badges = toolBadges(t);
  return title || badges ? h('span', { class: 'mcpchat-tool-hints' }, title, badges) : null;
}

/**
 * "Always allow read-only tools" of a server: makes an allow rule for the tools the server claims
 * to be read-only (the rule names the claim; a card is skipped only through such a rule).
 */
export function readOnlyRuleButton(server: string, add: (server: string) => Promise<void>): HTMLElement {
  const btn = h(
    'button',
    {
      type: 'button',
      class: 'mcpchat-btn mcpchat-small',
      'data-testid': 'allow-read-only',
      title: `Run the tools ${server} says are read-only without asking (the server's claim is not checked)`
    },
    'Always allow its read-only tools'
  );
  btn.addEventListener('click', () => {
    btn.disabled = true;
    void add(server).finally(() => (btn.disabled = false));
  });
  return btn;
}
