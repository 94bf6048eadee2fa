"""Approval rules: which calls run without a card (allow), wait on one (ask), or are blocked (deny).

A policy is a pure function of a call's identity (server, the server's tool name) returning a
:class:`~mcpchat_ext.agent.run_context.Verdict`, consulted by the graph for every call. The
administrator's rules (``approval_rules``, and the older ``auto_approve``) come first and override
the user's: the first that matches decides. Then the user's rules: this chat's before the
ones for every chat, a rule for the tool before one for the whole server. Nothing matches: ask.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..agent.run_context import ASK, Verdict
from ..protocol import ApprovalRule
from .admin_rules import AdminRule

_WORDS = {"allow": "always allow", "ask": "always ask", "deny": "block"}


def admin_view(rules: Iterable[AdminRule]) -> list[ApprovalRule]:
    return [
        ApprovalRule(id=f"admin-{i}", server=r.server, tool=r.tool, action=r.action, source="admin")
        for i, r in enumerate(rules)
    ]


def _user_rule_text(rule: ApprovalRule) -> str:
    what = f"{rule.server}:{rule.tool}" if rule.tool != "*" else f"every tool of {rule.server}"
    scope = " in this chat" if rule.chat_id else ""
    return f"your rule: {_WORDS[rule.action]} {what}{scope}"


class RulePolicy:
    """The verdicts of one chat's calls, from a snapshot of the rules."""

    def __init__(self, admin: list[AdminRule], user: list[ApprovalRule], chat_id: str) -> None:
        self._admin = admin
        mine = [r for r in user if r.chat_id in (None, chat_id)]
        # this chat's first, then a tool's own before its server's "*"
        self._user = sorted(mine, key=lambda r: (r.chat_id is None, r.tool == "*"))

    def __call__(self, server: str, tool: str) -> Verdict:
        for admin in self._admin:
            if admin.matches(server, tool):
                return Verdict(admin.action, admin.describe())
        for rule in self._user:
            if rule.server == server and rule.tool in ("*", tool):
                return Verdict(rule.action, _user_rule_text(rule))
        return ASK
