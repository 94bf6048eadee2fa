"""One user's approval rules: list, add, revoke, remember a decision, and the policy of a chat."""

from __future__ import annotations

from .. import protocol as p
from ..errors import BadRequest, Conflict
from ..store import Store
from .admin_rules import AdminRule
from .policy import RulePolicy, admin_view


class UserRules:
    def __init__(self, *, user: str, store: Store, admin: list[AdminRule]) -> None:
        self.user = user
        self._store = store
        self._admin = admin

    async def list(self) -> list[p.ApprovalRule]:
        """The administrator's rules (read-only, they win), then the user's."""
        return [*admin_view(self._admin), *await self._store.rules.list(self.user)]

    async def add(self, rule: p.NewRule) -> p.ApprovalRule:
        if rule.chat_id is not None:
            await self._store.get_chat(self.user, rule.chat_id)  # NotFound for another's chat
        return await self._store.rules.add(self.user, rule)

    async def remove(self, rule_id: str) -> None:
        if rule_id.startswith("admin-"):
            raise Conflict("administrator rules cannot be changed here; ask your administrator")
        await self._store.rules.remove(self.user, rule_id)

    async def policy_for(self, chat_id: str) -> RulePolicy:
        """A snapshot of the rules for one run of the chat."""
        return RulePolicy(self._admin, await self._store.rules.list(self.user), chat_id)

    async def remember(self, chat_id: str, call: p.PendingCall, decision: p.Decision) -> None:
        """Make a rule of a decision that asked for it (approve: allow; reject: deny)."""
        if decision.remember is None:
            return
        if not call.server or not call.tool:
            raise BadRequest(f"the call {call.id} has no known tool to make a rule for")
        action: p.RuleAction = "deny" if decision.action == "reject" else "allow"
        scope = chat_id if decision.remember == "chat" else None
        await self.add(p.NewRule(server=call.server, tool=call.tool, action=action, chat_id=scope))
