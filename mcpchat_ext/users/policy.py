"""Which tool calls run without asking: the administrator's ``auto_approve`` rules."""

from __future__ import annotations

from collections.abc import Callable

from ..protocol import ToolInfo


class AutoApprovePolicy:
    """``"server"`` approves every tool of a server, ``"server:tool"`` one tool. Empty: always ask."""

    def __init__(self, rules: list[str], lookup: Callable[[str], ToolInfo | None]) -> None:
        self._servers = {r for r in rules if ":" not in r}
        self._tools = {tuple(r.split(":", 1)) for r in rules if ":" in r}
        self._lookup = lookup

    def __call__(self, prefixed_name: str) -> bool:
        info = self._lookup(prefixed_name)
        if info is None:
            return False
        return info.server in self._servers or (info.server, info.tool) in self._tools
