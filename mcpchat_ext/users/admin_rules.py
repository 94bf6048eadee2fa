"""The administrator's approval rules (``approval_rules`` and ``auto_approve``), parsed and checked.

Kept free of heavy imports: the extension validates the option when Jupyter loads its config.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

RuleAction = Literal["allow", "ask", "deny"]
ACTIONS: tuple[RuleAction, ...] = ("allow", "ask", "deny")


@dataclass(frozen=True)
class AdminRule:
    """``server`` and ``tool`` are glob patterns (``*``, ``?``, ``[...]``)."""

    server: str
    tool: str
    action: RuleAction

    def matches(self, server: str, tool: str) -> bool:
        return fnmatchcase(server, self.server) and fnmatchcase(tool, self.tool)

    def describe(self) -> str:
        return f"administrator rule: {self.action} {self.server}:{self.tool}"


def _action(value: object) -> RuleAction:
    for action in ACTIONS:
        if value == action:
            return action
    raise ValueError(value)


def parse_admin_rules(
    entries: Iterable[Mapping[str, object]], auto_approve: Iterable[str] = ()
) -> list[AdminRule]:
    """``approval_rules`` entries ({"server", "tool" = "*", "action"}) then ``auto_approve``
    ("server" or "server:tool", each an allow rule); ValueError names a bad entry."""
    rules: list[AdminRule] = []
    for i, entry in enumerate(entries):
        server, tool, action = entry.get("server"), entry.get("tool", "*"), entry.get("action")
        if not isinstance(server, str) or not server or not isinstance(tool, str) or not tool:
            raise ValueError(f"approval_rules[{i}] needs a 'server' (and optional 'tool') pattern")
        if action not in ACTIONS:
            raise ValueError(f"approval_rules[{i}].action must be one of allow, ask, deny; got {action!r}")
        if extra := set(entry) - {"server", "tool", "action"}:
            raise ValueError(f"approval_rules[{i}] has unknown key(s): {', '.join(sorted(extra))}")
        rules.append(AdminRule(server, tool, _action(action)))
    for short in auto_approve:
        server, _, tool = short.partition(":")
        rules.append(AdminRule(server, tool or "*", "allow"))
    return rules
