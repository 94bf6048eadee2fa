"""A server's tools as MCP lists them, turned into :class:`ToolInfo` records.

The tools are listed straight from the session (every page, at most :data:`MAX_TOOLS`), so the
MCP ``Tool`` record keeps everything the adapters drop: title, annotations, execution. The
server's words are hostile: titles are cut and cleaned of control characters, hints that are not
booleans are ignored.
"""

from __future__ import annotations

import re
from typing import Any

from mcp import ClientSession, types

from ..protocol import ToolAnnotations, ToolInfo

MAX_TOOLS = 1000
MAX_PAGES = 100
MAX_TITLE = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


async def list_tools(session: ClientSession) -> list[types.Tool]:
    """Every tool of the session (following cursors), at most MAX_TOOLS; the first of a name wins."""
    tools: dict[str, types.Tool] = {}
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = await session.list_tools(cursor=cursor)
        for tool in page.tools:
            if len(tools) >= MAX_TOOLS:
                return list(tools.values())
            tools.setdefault(tool.name, tool)
        cursor = page.nextCursor
        if not cursor:
            break
    return list(tools.values())


def split_task_only(tools: list[types.Tool]) -> tuple[list[types.Tool], list[str]]:
    """The tools a plain call can run, and a note for each that runs only as an MCP task
    (``execution.taskSupport == "required"``: every plain call of it fails), hidden from the model."""
    runnable: list[types.Tool] = []
    notes: list[str] = []
    for tool in tools:
        execution = getattr(tool, "execution", None)
        if getattr(execution, "taskSupport", None) == "required":
            name = clean_title(tool.name) or "?"
            notes.append(
                f"tool {name} is hidden: it runs only as an MCP task, which this client does not run"
            )
        else:
            runnable.append(tool)
    return runnable, notes


def clean_title(text: object) -> str | None:
    """A server's title as one line of plain text, at most MAX_TITLE characters (None: none)."""
    if not isinstance(text, str):
        return None
    text = " ".join(_CONTROL.sub(" ", text).split())[:MAX_TITLE]
    return text or None


def _hint(raw: types.ToolAnnotations, field: str) -> bool | None:
    value: Any = getattr(raw, field, None)
    return value if isinstance(value, bool) else None


def tool_annotations(tool: types.Tool) -> ToolAnnotations | None:
    raw = tool.annotations
    if raw is None:
        return None
    return ToolAnnotations(
        title=clean_title(raw.title),
        read_only=_hint(raw, "readOnlyHint"),
        destructive=_hint(raw, "destructiveHint"),
        idempotent=_hint(raw, "idempotentHint"),
        open_world=_hint(raw, "openWorldHint"),
    )


def tool_info(tool: types.Tool, server: str, name: str) -> ToolInfo:
    """``name``: the tool's model-facing name among this server's tools."""
    notes = tool_annotations(tool)
    return ToolInfo(
        name=name,
        server=server,
        tool=tool.name,
        description=tool.description or "",
        input_schema=dict(tool.inputSchema or {}),
        title=clean_title(tool.title) or (notes.title if notes else None),
        annotations=notes,
    )
