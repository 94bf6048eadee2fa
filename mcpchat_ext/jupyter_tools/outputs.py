"""Notebook outputs (nbformat's shapes) as MCP content: text, errors with tracebacks, images.

Kernel messages (iopub) become nbformat outputs first (:func:`output_of_message`), so a cell that
the tools run and a cell read from a notebook file are described by the same code. Images
(``image/png``, ``image/jpeg``) become MCP ``ImageContent``; everything else is text. ANSI colour
codes of tracebacks are removed (the model and the card read plain text).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # (imported where a tool answers: see contents.py)
    from mcp import types

IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
MAX_TEXT_OUTPUT = 4000  # characters of one text output shown to the model (the rest cut, marked)


def plain(text: str) -> str:
    """``text`` without ANSI escape sequences."""
    return _ANSI.sub("", text)


def _joined(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value or "")


def _cut(text: str) -> str:
    if len(text) <= MAX_TEXT_OUTPUT:
        return text
    return f"{text[:MAX_TEXT_OUTPUT]}\n[... {len(text) - MAX_TEXT_OUTPUT} more characters of this output]"


def error_text(output: dict[str, Any]) -> str:
    """An error output as the model reads it: ``Name: value`` and its traceback, plain text."""
    head = plain(f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
    trace = plain("\n".join(str(line) for line in output.get("traceback") or []))
    return f"{head}\n{trace}".rstrip() if trace else head


def output_blocks(output: dict[str, Any]) -> list[types.TextContent | types.ImageContent]:
    """One nbformat output as MCP content blocks."""
    from mcp import types

    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name", "stdout")
        return [types.TextContent(type="text", text=f"[{name}]\n{_cut(plain(_joined(output.get('text'))))}")]
    if kind == "error":
        return [types.TextContent(type="text", text=f"[error]\n{_cut(error_text(output))}")]
    if kind in ("display_data", "execute_result", "update_display_data"):
        data = output.get("data") or {}
        blocks: list[types.TextContent | types.ImageContent] = []
        for mime in IMAGE_TYPES:
            if isinstance(data.get(mime), str | list):
                image = _joined(data[mime]).replace("\n", "")
                blocks.append(types.ImageContent(type="image", data=image, mimeType=mime))
                break
        text = data.get("text/markdown") or data.get("text/plain")
        if text is not None and not blocks:
            label = "result" if kind == "execute_result" else "display"
            blocks.append(types.TextContent(type="text", text=f"[{label}]\n{_cut(plain(_joined(text)))}"))
        elif not blocks and data:
            blocks.append(types.TextContent(type="text", text=f"[display: {', '.join(sorted(data))}]"))
        return blocks
    return []


def output_of_message(msg: dict[str, Any]) -> dict[str, Any] | None:
    """The nbformat output of one iopub message (None for status, execute_input, ...)."""
    kind = msg["header"]["msg_type"]
    content = msg.get("content") or {}
    if kind == "stream":
        return {
            "output_type": "stream",
            "name": content.get("name", "stdout"),
            "text": content.get("text", ""),
        }
    if kind == "error":
        return {
            "output_type": "error",
            "ename": content.get("ename", ""),
            "evalue": content.get("evalue", ""),
            "traceback": list(content.get("traceback") or []),
        }
    if kind in ("display_data", "update_display_data"):
        return {
            "output_type": "display_data",
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
        }
    if kind == "execute_result":
        return {
            "output_type": "execute_result",
            "data": content.get("data", {}),
            "metadata": content.get("metadata", {}),
            "execution_count": content.get("execution_count"),
        }
    return None


def merge_stream(outputs: list[dict[str, Any]], output: dict[str, Any]) -> None:
    """Append ``output``, joining consecutive text of the same stream as Jupyter does."""
    last = outputs[-1] if outputs else None
    if (
        output["output_type"] == "stream"
        and last is not None
        and last.get("output_type") == "stream"
        and last.get("name") == output.get("name")
    ):
        last["text"] = _joined(last.get("text")) + _joined(output.get("text"))
    else:
        outputs.append(output)
