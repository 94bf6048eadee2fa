"""The export formats: a notebook (nbformat 4), a Markdown document, the audit as JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

import nbformat as _nbformat
from nbformat import v4 as _v4

from .. import protocol as p
from .text import fenced, inert
from .transcript import sections

GENERATOR = "mcpchat-ext"
nbformat: Any = _nbformat  # (untyped)
v4: Any = _v4


def _title(chat: p.ChatInfo, exported_at: datetime) -> str:
    model = f", model {chat.model}" if chat.model else ""
    when = exported_at.strftime("%Y-%m-%d %H:%M UTC")
    return f"# {inert(chat.title)}\n\nChat exported from {GENERATOR} on {when}{inert(model)}."


def notebook(chat: p.ChatInfo, messages: Sequence[p.ChatMessage], exported_at: datetime) -> str:
    """The chat as a notebook: text as Markdown cells, the code blocks of replies as code cells
    that never ran (no outputs), tool calls with their arguments and results as Markdown."""
    nb = v4.new_notebook()
    nb.metadata["mcpchat"] = {"chat_id": chat.id, "title": chat.title, "exported_at": exported_at.isoformat()}
    nb.metadata["language_info"] = {"name": "python"}
    nb.cells.append(v4.new_markdown_cell(_title(chat, exported_at)))
    for s in sections(messages):
        meta: dict[str, Any] = {"mcpchat": {"role": s.role}}
        if s.kind == "code":
            meta["mcpchat"]["language"] = s.language
            nb.cells.append(v4.new_code_cell(s.text, metadata=meta))
        else:
            nb.cells.append(v4.new_markdown_cell(s.text, metadata=meta))
    nbformat.validate(nb)
    return str(nbformat.writes(nb))


def markdown(chat: p.ChatInfo, messages: Sequence[p.ChatMessage], exported_at: datetime) -> str:
    """The chat as one Markdown document (code blocks fenced, everything else inert)."""
    parts = [_title(chat, exported_at)]
    for s in sections(messages):
        parts.append(fenced(s.text, s.language) if s.kind == "code" else s.text)
    return "\n\n".join(parts) + "\n"


def audit(
    chat_id: str, chat: p.ChatInfo | None, decisions: Sequence[dict[str, Any]], exported_at: datetime
) -> str:
    """Every approval decision of the chat (also of a deleted one) as a JSON document."""
    doc = {
        "generator": GENERATOR,
        "exported_at": exported_at.isoformat(),
        "chat_id": chat_id,
        "chat": None if chat is None else {"title": chat.title, "model": chat.model, "deleted": False},
        "decisions": list(decisions),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def now() -> datetime:
    return datetime.now(timezone.utc)
