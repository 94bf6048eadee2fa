/**
 * The one rendering policy for HTML that a model or an MCP server wrote.
 *
 * Such HTML may not act for the user: no script, no style (a `<style>` or `style=` could hide or
 * relabel the approval buttons page-wide), no form controls, no frames or plugins, and no request
 * to the network without a click (a remote `<img>` or CSS `url()` would send chat data to whoever
 * chose the URL, zero-click). `untrustedFragment` is the only way such HTML reaches the DOM:
 *
 * - DOMPurify (a private instance, so its hooks touch no other user of the library) with an
 *   explicit allow-list of text tags and attributes; everything else is dropped.
 * - Its `afterSanitizeAttributes` hook enforces per-tag URL rules (links: http(s) and mailto;
 *   images: `data:image/(png|jpeg|gif|webp)` render, http(s) become click-to-load placeholders),
 *   drops `class` except `language-*` on `<code>` and `hljs-*` (highlighting) on `<span>`, and
 *   records the links and images it saw.
 * - After sanitising, our code (not the markup) adds the link decorations and the placeholders.
 *   The sanitised tree lives in DOMPurify's inert document until then, where nothing loads.
 */
import DOMPurify from 'dompurify';

const purify = DOMPurify(window);

/** Text-level markup that markdown produces, and nothing that can act. */
const ALLOWED_TAGS = [
  'a', 'b', 'blockquote', 'br', 'code', 'del', 'details', 'div', 'em',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'kbd', 'li', 'ol', 'p', 'pre',
  's', 'span', 'strong', 'sub', 'summary', 'sup',
  'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul'
];
const ALLOWED_ATTR = ['href', 'src', 'alt', 'title', 'class', 'align', 'colspan', 'rowspan', 'start', 'open'];
/** Named as well (belt and braces: they are not allowed above either). */
const FORBID_TAGS = [
  'style', 'link', 'meta', 'base', 'script', 'noscript', 'template', 'slot',
  'form', 'input', 'button', 'textarea', 'select', 'option', 'label', 'fieldset', 'output', 'dialog',
  'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'portal',
  'svg', 'math', 'image', 'picture', 'source', 'video', 'audio', 'track', 'canvas', 'map', 'area'
];
const FORBID_ATTR = [
  'style', 'id', 'name', 'srcset', 'srcdoc', 'ping', 'background', 'poster', 'action', 'formaction',
  'target', 'rel', 'xlink:href', 'is', 'tabindex', 'accesskey', 'autofocus', 'contenteditable',
  'draggable', 'popover', 'popovertarget', 'referrerpolicy', 'loading'
];
/** A first filter on URL attributes (DOMPurify's default without ftp/tel/...); the hook decides. */
const URI_FIRST_PASS = /^(?:(?:https?|mailto):|[^a-z]|[a-z+.-]+(?:[^a-z+.\-:]|$))/i;
const DATA_IMAGE = /^data:image\/(?:png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$/i;
const CODE_LANGUAGE = /^language-[\w+#.-]{1,40}$/;
const HLJS_CLASS = /^hljs-[a-z-]{1,30}$/;

const CONFIG = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  FORBID_TAGS,
  FORBID_ATTR,
  ALLOWED_URI_REGEXP: URI_FIRST_PASS,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  ALLOW_SELF_CLOSE_IN_ATTR: false,
  SAFE_FOR_TEMPLATES: false,
  WHOLE_DOCUMENT: false,
  KEEP_CONTENT: true,
  RETURN_DOM_FRAGMENT: true as const
};

/** A URL attribute made absolute, when its scheme is one of `schemes`. */
function resolve(raw: string | null, schemes: string[]): URL | null {
  if (raw === null) {
    return null;
  }
  try {
    const url = new URL(raw.trim(), document.baseURI);
    return schemes.includes(url.protocol) ? url : null;
  } catch {
    return null;
  }
}

interface Seen {
  links: { a: HTMLAnchorElement; url: URL }[];
  remote: { img: HTMLImageElement; url: URL }[];
  blocked: HTMLImageElement[];
}

let seen: Seen | null = null;

purify.addHook('afterSanitizeAttributes', node => {
  if (node.nodeType !== Node.ELEMENT_NODE) {
    return;
  }
  const tag = node.nodeName.toLowerCase();
  if (node.hasAttribute('class')) {
    // `language-*` on code (a code block's language, or a math mark of ./math.ts), `hljs-*` on
    // spans (./highlight.ts): our stylesheet's own class names (mcpchat-*) never get through
    const keep =
      tag === 'code'
        ? Array.from(node.classList).filter(c => CODE_LANGUAGE.test(c)).slice(0, 1)
        : tag === 'span'
          ? Array.from(node.classList).filter(c => HLJS_CLASS.test(c))
          : [];
    if (keep.length) {
      node.setAttribute('class', keep.join(' '));
    } else {
      node.removeAttribute('class');
    }
  }
  if (tag === 'a') {
    const url = resolve(node.getAttribute('href'), ['http:', 'https:', 'mailto:']);
    if (url) {
      node.setAttribute('href', url.href);
      seen?.links.push({ a: node as HTMLAnchorElement, url });
    } else {
      node.removeAttribute('href');
    }
  } else if (tag === 'img') {
    const src = node.getAttribute('src');
    node.removeAttribute('src'); // put back below only for inline data: images
    if (src !== null && DATA_IMAGE.test(src.trim())) {
      node.setAttribute('src', src.trim());
      return;
    }
    const url = resolve(src, ['http:', 'https:']);
    if (url) {
      seen?.remote.push({ img: node as HTMLImageElement, url });
    } else {
      seen?.blocked.push(node as HTMLImageElement);
    }
  } else if (node.hasAttribute('src')) {
    node.removeAttribute('src');
  }
});

/** Remote images the user chose to load in this page (so a re-render keeps them loaded). */
const loadedImages = new Set<string>();

function shortAlt(alt: string): string {
  const text = alt.replace(/\s+/g, ' ').trim();
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

function loadedImage(url: string, alt: string): HTMLImageElement {
  const img = document.createElement('img');
  img.alt = alt;
  img.referrerPolicy = 'no-referrer';
  img.setAttribute('data-testid', 'loaded-image');
  img.src = url;
  return img;
}

/** A placeholder our code makes for a remote image: it names the host; a click loads the image. */
function remoteImagePlaceholder(url: URL, alt: string): HTMLElement {
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.className = 'mcpchat-remote-image';
  btn.setAttribute('data-testid', 'remote-image');
  btn.setAttribute('data-host', url.host);
  btn.title = `Load ${url.href}`;
  const label = shortAlt(alt);
  btn.textContent = `Image from ${url.host}${label ? ` (“${label}”)` : ''} — load image`;
  btn.addEventListener('click', ev => {
    ev.preventDefault(); // inside a link: load, do not follow
    ev.stopPropagation();
    loadedImages.add(url.href);
    btn.replaceWith(loadedImage(url.href, alt));
  });
  return btn;
}

function withoutTrailingSlash(s: string): string {
  return s.replace(/\/+$/, '');
}

/** Whether a link's visible text already is its target (then the host is not repeated). */
function textIsTarget(text: string, url: URL): boolean {
  const shown = withoutTrailingSlash(text.trim());
  if (url.protocol === 'mailto:') {
    return shown === url.pathname || shown === withoutTrailingSlash(url.href);
  }
  let decoded = url.href;
  try {
    decoded = decodeURI(url.href);
  } catch {
    // keep the encoded form
  }
  return shown === withoutTrailingSlash(url.href) || shown === withoutTrailingSlash(decoded);
}

function decorateLink(a: HTMLAnchorElement, url: URL): void {
  a.target = '_blank';
  a.rel = 'noopener noreferrer nofollow';
  a.referrerPolicy = 'no-referrer';
  const target = url.protocol === 'mailto:' ? url.pathname : url.host;
  a.title = url.href;
  if (!textIsTarget(a.textContent ?? '', url)) {
    const note = document.createElement('span');
    note.className = 'mcpchat-link-host';
    note.setAttribute('data-testid', 'link-host');
    note.textContent = ` (${target})`;
    a.after(note);
  }
}

/**
 * Sanitise HTML a model or MCP server wrote into a fragment ready to append: the only entry point
 * for such HTML (never assign it to `innerHTML`).
 */
export function untrustedFragment(html: string): DocumentFragment {
  const mine: Seen = { links: [], remote: [], blocked: [] };
  seen = mine;
  let frag: DocumentFragment;
  try {
    frag = purify.sanitize(html, CONFIG);
  } finally {
    seen = null;
  }
  const inside = (n: Node) => frag.contains(n);
  for (const { img, url } of mine.remote.filter(r => inside(r.img))) {
    const alt = img.getAttribute('alt') ?? '';
    img.replaceWith(loadedImages.has(url.href) ? loadedImage(url.href, alt) : remoteImagePlaceholder(url, alt));
  }
  for (const img of mine.blocked.filter(inside)) {
    const alt = shortAlt(img.getAttribute('alt') ?? '');
    if (alt) {
      const note = document.createElement('span');
      note.className = 'mcpchat-blocked-image';
      note.textContent = `[image: ${alt}]`;
      img.replaceWith(note);
    } else {
      img.remove();
    }
  }
  for (const { a, url } of mine.links.filter(l => inside(l.a))) {
    decorateLink(a, url);
  }
  return frag;
}

// ------------------------------------------------------------------ math (KaTeX's MathML)

/**
 * The MathML that KaTeX writes (`output: "mathml"`), and nothing else: no `href`, no style, no
 * `mglyph` or other element KaTeX does not use; classes only KaTeX's own wrappers. A separate
 * DOMPurify instance: the main policy above keeps forbidding `<math>` in model-written markup.
 */
const mathPurify = DOMPurify(window);
const MATH_TAGS = [
  'span', 'math', 'semantics', 'annotation', 'mrow', 'mi', 'mn', 'mo', 'ms', 'mtext', 'mspace',
  'msup', 'msub', 'msubsup', 'mfrac', 'msqrt', 'mroot', 'mover', 'munder', 'munderover',
  'mtable', 'mtr', 'mtd', 'mlabeledtr', 'mpadded', 'mphantom', 'menclose', 'mstyle'
];
const MATH_ATTR = [
  'class', 'display', 'mathvariant', 'stretchy', 'fence', 'separator', 'lspace', 'rspace', 'width',
  'height', 'depth', 'voffset', 'minsize', 'maxsize', 'accent', 'accentunder', 'columnalign',
  'columnspacing', 'rowspacing', 'rowlines', 'columnlines', 'frame', 'framespacing', 'equalrows',
  'equalcolumns', 'scriptlevel', 'displaystyle', 'encoding', 'notation', 'linethickness',
  'movablelimits', 'symmetric', 'largeop'
];
const KATEX_CLASSES = new Set(['katex', 'katex-display', 'katex-mathml']);
const MATH_CONFIG = {
  ALLOWED_TAGS: MATH_TAGS,
  ALLOWED_ATTR: MATH_ATTR,
  FORBID_TAGS: FORBID_TAGS.filter(t => t !== 'math'),
  FORBID_ATTR: [...FORBID_ATTR, 'href', 'src', 'mathcolor', 'mathbackground'],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
  KEEP_CONTENT: true,
  RETURN_DOM_FRAGMENT: true as const
};

mathPurify.addHook('afterSanitizeAttributes', node => {
  if (node.nodeType === Node.ELEMENT_NODE && node.hasAttribute('class')) {
    const keep = Array.from(node.classList).filter(c => KATEX_CLASSES.has(c));
    if (keep.length) {
      node.setAttribute('class', keep.join(' '));
    } else {
      node.removeAttribute('class');
    }
  }
});

/** Sanitise KaTeX's MathML output (../render/math.ts) into a fragment ready to append. */
export function untrustedMath(html: string): DocumentFragment {
  return mathPurify.sanitize(html, MATH_CONFIG);
}
