"""Model text made inert for Markdown, and split into prose and fenced code blocks.

Markdown renderers (JupyterLab's, GitHub's) pass HTML through and fetch images: a reply could
carry a script tag, or an image whose URL leaks the conversation to a remote server the moment
the export is opened. Prose is therefore escaped: ``&``, ``<`` and ``>`` as entities, image
syntax broken (``!\\[``), and links kept only for http(s), mailto and in-page targets. Code and
tool output go into fences longer than any backtick run inside them, which render verbatim.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_LINK = re.compile(r"\]\s*\((?!\s*(?:https?://|mailto:|#))")
_SAFE_LANG = re.compile(r"^[A-Za-z0-9_+\-.#]{1,32}$")


@dataclass(frozen=True)
class Block:
    kind: str  # "text" | "code"
    text: str
    language: str = ""


def inert(text: str) -> str:
    """``text`` as Markdown that renders as the text: no HTML, no images, no script links."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("![", "!\\[")
    return _LINK.sub("]\\\\(", text)


def fenced(text: str, language: str = "") -> str:
    """``text`` as a fenced code block that no backtick run inside it can close."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    lang = language if _SAFE_LANG.match(language or "") else ""
    return f"{fence}{lang}\n{text}\n{fence}"


def _closes(match: re.Match[str] | None, fence: str) -> bool:
    if match is None or match["info"]:
        return False
    return match["fence"][0] == fence[0] and len(match["fence"]) >= len(fence)


def split_blocks(markdown: str) -> list[Block]:
    """The prose and the fenced code blocks of ``markdown``, in order (an unclosed fence runs to
    the end, as CommonMark has it)."""
    blocks: list[Block] = []
    prose: list[str] = []
    lines = markdown.split("\n")
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if match is None:
            prose.append(lines[i])
            i += 1
            continue
        fence = match["fence"]
        body: list[str] = []
        i += 1
        while i < len(lines):
            if _closes(_FENCE.match(lines[i]), fence):
                break
            body.append(lines[i])
            i += 1
        i += 1  # the closing fence
        if "\n".join(prose).strip():
            blocks.append(Block("text", "\n".join(prose).strip("\n")))
        prose = []
        language = (match["info"].split() or [""])[0]
        blocks.append(Block("code", "\n".join(body), language))
    if "\n".join(prose).strip():
        blocks.append(Block("text", "\n".join(prose).strip("\n")))
    return blocks
