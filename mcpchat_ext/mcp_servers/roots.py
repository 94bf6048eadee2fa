"""The client's roots (MCP ``roots/list``): the directories a server is told it may work in.

By default every server gets the Jupyter server's root directory (the API: the current
directory); the user sees each server's roots in its details and may change them per server
(:meth:`MCPConnectionManager.set_roots`, kept while the chat server runs). A change is announced
to the server (``notifications/roots/list_changed``). Roots are advice to the server, not a
sandbox: what a tool may touch is still decided on its approval card.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from mcp import types

from ..errors import BadRequest

MAX_ROOTS = 20


def check_roots(paths: list[str]) -> list[str]:
    """``paths`` as absolute, normalised directory paths; BadRequest naming a bad one."""
    if len(paths) > MAX_ROOTS:
        raise BadRequest(f"at most {MAX_ROOTS} roots per server, got {len(paths)}")
    out: list[str] = []
    for raw in paths:
        text = str(raw).strip()
        if not text or "\x00" in text or len(text) > 4096 or not os.path.isabs(text):
            raise BadRequest(f"a root must be an absolute directory path, got {text[:80]!r}")
        norm = os.path.normpath(text)
        if norm not in out:
            out.append(norm)
    return out


def roots_result(paths: list[str]) -> types.ListRootsResult:
    return types.ListRootsResult(
        roots=[types.Root(uri=Path(p).as_uri(), name=Path(p).name or p) for p in paths]  # type: ignore[arg-type]
    )


class Roots:
    """One server's roots and the session callback that answers ``roots/list`` with them."""

    def __init__(self, paths: list[str]) -> None:
        self.paths = list(paths)

    async def callback(self, context: Any) -> types.ListRootsResult:
        return roots_result(self.paths)
