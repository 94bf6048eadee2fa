"""Which tool calls run without a card: the administrator's ``auto_approve`` rules.

A policy is a pure function of a call's identity (server, the server's tool name) returning a
:class:`~mcpchat_ext.agent.run_context.Verdict`; the graph consults it for every call.
"""

from __future__ import annotations

from ..agent.run_context import ASK, Verdict


class AutoApprovePolicy:
    """``"server"`` allows every tool of a server, ``"server:tool"`` one tool. Empty: always ask."""

    def __init__(self, rules: list[str]) -> None:
        self._servers = {r for r in rules if ":" not in r}
        self._tools = {(s, t) for s, t in (r.split(":", 1) for r in rules if ":" in r)}

    @property
    def may_allow(self) -> bool:
        """Whether any call may run without a card."""
        return bool(self._servers or self._tools)

    def __call__(self, server: str, tool: str) -> Verdict:
        if server in self._servers:
            return Verdict("allow", f"administrator rule auto_approve '{server}'")
        if (server, tool) in self._tools:
            return Verdict("allow", f"administrator rule auto_approve '{server}:{tool}'")
        return ASK
