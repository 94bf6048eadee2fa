"""Approval rules: which calls run without a card (allow), wait on one (ask), or are blocked (deny).

A policy is a pure function of a call's identity (server, the server's tool name) and of
whether the server claims the tool is read-only, returning a
:class:`~mcpchat_ext.agent.run_context.Verdict`, consulted by the graph for every call. The
administrator's rules (``approval_rules``, and the older ``auto_approve``) come first and override
the user's: the first that matches decides. Then the user's rules: this chat's before the
ones for every chat, a rule for the tool before one for the whole server. Nothing matches: ask.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..agent.run_context import ASK, Verdict
from ..protocol import READ_ONLY_TOOLS, ApprovalRule
from .admin_rules import AdminRule

_WORDS = {"allow": "always allow", "ask": "always ask", "deny": "block"}


def admin_view(rules: Iterable[AdminRule]) -> list[ApprovalRule]:
    return [
        ApprovalRule(id=f"admin-{i}", server=r.server, tool=r.tool, action=r.action, source="admin")
        for i, r in enumerate(rules)
    ]


def _user_rule_text(rule: ApprovalRule) -> str:
    if rule.tool == "*":
        what = f"every tool of {rule.server}"
    elif rule.tool == READ_ONLY_TOOLS:
        what = f"the tools {rule.server} says are read-only"
    else:
        what = f"{rule.server}:{rule.tool}"
    scope = " in this chat" if rule.chat_id else ""
    return f"your rule: {_WORDS[rule.action]} {what}{scope}"


class RulePolicy:
    """The verdicts of one chat's calls, from a snapshot of the rules."""

    def __init__(self, admin: list[AdminRule], user: list[ApprovalRule], chat_id: str) -> None:
        self._admin = admin
        mine = [r for r in user if r.chat_id in (None, chat_id)]
        # this chat's first, then a tool's own before the read-only tools' and the server's "*"
        self._user = sorted(mine, key=lambda r: (r.chat_id is None, _breadth(r.tool)))

    def __call__(self, server: str, tool: str, read_only: bool = False) -> Verdict:
        """``read_only``: the server claims the tool is read-only (only a rule for exactly that
        claim uses it; a tool that names itself ``@read-only`` matches no such rule)."""
        for admin in self._admin:
            if admin.matches(server, tool):
                return Verdict(admin.action, admin.describe())
        for rule in self._user:
            if rule.server == server and _matches(rule.tool, tool, read_only):
                return Verdict(rule.action, _user_rule_text(rule))
        return ASK


def _breadth(pattern: str) -> int:
    return 2 if pattern == "*" else 1 if pattern == READ_ONLY_TOOLS else 0


def _matches(pattern: str, tool: str, read_only: bool) -> bool:
    if pattern == READ_ONLY_TOOLS:
        return read_only
    return pattern in ("*", tool)
