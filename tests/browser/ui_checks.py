"""Page-side checks shared by the UI bug, accessibility and contrast tests (JavaScript run in the page)."""

from __future__ import annotations

from typing import Any

# WCAG 2 contrast of every visible text in a subtree: text colour against the effective background
# (the backgrounds of the element and its ancestors composited, alpha included). Disabled controls
# and fully transparent elements are exempt (WCAG 1.4.3 excludes inactive components).
CONTRAST_JS = """
(root) => {
  const parse = (c) => {
    const srgb = c.match(/color\\(srgb ([^)]+)\\)/);  // what color-mix() computes to
    if (srgb) {
      const p = srgb[1].split(/[ \\/]+/).filter(Boolean).map(Number);
      return [p[0] * 255, p[1] * 255, p[2] * 255, p.length > 3 ? p[3] : 1];
    }
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return [0, 0, 0, 0];
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, under) => {
    const a = top[3] + under[3] * (1 - top[3]);
    if (a === 0) return [0, 0, 0, 0];
    const mix = (i) => (top[i] * top[3] + under[i] * under[3] * (1 - top[3])) / a;
    return [mix(0), mix(1), mix(2), a];
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = parse(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] >= 1) break;
    }
    let c = [255, 255, 255, 1];  // the page under everything
    for (let i = layers.length - 1; i >= 0; i--) c = over(layers[i], c);
    return c;
  };
  const opacity = (el) => {
    let o = 1;
    for (let e = el; e; e = e.parentElement) o *= Number(getComputedStyle(e).opacity);
    return o;
  };
  const out = [];
  const seen = new Set();
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || seen.has(el) || !n.textContent.trim()) continue;
    seen.add(el);
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (el.closest('button:disabled, [aria-hidden="true"], .mcpchat-sr-only')) continue;
    if (opacity(el) < 0.99) continue;
    const s = getComputedStyle(el);
    const bg = background(el);
    const fg = over(parse(s.color), bg);
    const [l1, l2] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    out.push({
      text: n.textContent.trim().slice(0, 60),
      cls: el.className && el.className.toString ? el.className.toString() : '',
      tid: el.closest('[data-testid]')?.dataset.testid || '',
      ratio: Math.round(ratio * 100) / 100,
      need: large ? 3 : 4.5,
      color: s.color,
    });
  }
  return out;
}
"""

# The accessible name of every button, input, select and textarea (a simplified accname: aria-label,
# aria-labelledby, a <label>, the visible text without aria-hidden parts, title, placeholder last).
NAMES_JS = """
(root) => {
  const text = (el) => {
    let s = '';
    for (const c of el.childNodes) {
      if (c.nodeType === 3) s += c.textContent;
      else if (c.nodeType === 1 && c.getAttribute('aria-hidden') !== 'true') s += text(c);
    }
    return s;
  };
  const name = (el) => {
    if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
    const by = el.getAttribute('aria-labelledby');
    if (by) return by.split(/\\s+/).map((id) => document.getElementById(id)?.textContent || '').join(' ');
    if (el.labels && el.labels.length) return [...el.labels].map((l) => l.textContent).join(' ');
    if (el.tagName === 'BUTTON') return text(el).trim() || el.title || '';
    return el.title || '';
  };
  return [...root.querySelectorAll('button, input, select, textarea')]
    .filter((el) => el.checkVisibility())
    .map((el) => ({ tid: el.dataset.testid || el.tagName, name: name(el).trim() }));
}
"""


def low_contrast(root: Any) -> list[dict[str, Any]]:
    """The texts under ``root`` (a locator) below WCAG AA, with their ratios."""
    rows: list[dict[str, Any]] = root.evaluate(CONTRAST_JS)
    assert rows, "no visible text was checked"
    return [r for r in rows if r["ratio"] < r["need"]]


def unnamed_controls(root: Any) -> list[dict[str, Any]]:
    """Controls under ``root`` whose name has no letter (empty, or only a glyph such as a hamburger, plus or pencil)."""
    import re

    rows: list[dict[str, Any]] = root.evaluate(NAMES_JS)
    assert rows, "no control was checked"
    return [r for r in rows if not re.search(r"[A-Za-z]{2,}", r["name"])]


def squeeze(page: Any, width: int) -> None:
    """Make the side panel's chat ``width`` px wide (the container queries follow its own width)."""
    page.add_style_tag(
        content=f"#mcpchat-panel .mcpchat-root {{ width: {width}px !important; max-width: {width}px !important; }}"
    )
    page.wait_for_function(
        f"() => document.querySelector('#mcpchat-panel .mcpchat-root').clientWidth <= {width}"
    )
