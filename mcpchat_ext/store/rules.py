"""The users' approval rules (allow / ask / deny a server's tool, in one chat or everywhere)."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..protocol import ApprovalRule, NewRule
from .group_commit import GroupCommit
from .models import ApprovalRuleRow, utcnow
from .thread_sessions import ThreadSessions
from .timestamps import aware


def _rule(row: Any) -> ApprovalRule:
    """An ApprovalRuleRow, or a plain row of its columns."""
    return ApprovalRule(
        id=str(row.id),
        server=row.server,
        tool=row.tool,
        action=row.action,
        chat_id=row.chat_id,
        source="user",
        created_at=aware(row.created_at),
    )


# Read as plain rows with a statement built once: the ORM's query made a turn start's rule read
# 0.35 ms on a worker thread with no rule to read.
_OF_USERS = (
    select(*ApprovalRuleRow.__table__.columns)
    .where(ApprovalRuleRow.user.in_(bindparam("users", expanding=True)))
    .order_by(ApprovalRuleRow.id)
)

Users = list[str]
PerUser = list[list[ApprovalRule]]


def _read_rules(session: Session, users: Users) -> PerUser:
    """The rules of each of ``users`` (one query), a list of its own for each."""
    wanted = sorted(set(users))
    found: dict[str, list[ApprovalRule]] = {user: [] for user in wanted}
    for row in session.connection().execute(_OF_USERS, {"users": wanted}):
        found[row.user].append(_rule(row))
    return [list(found[user]) for user in users]


class RuleStore:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], reads: ThreadSessions | None = None
    ) -> None:
        self._sessions = sessions
        self._reads = reads if reads is not None else ThreadSessions(sessions)
        self._lists = GroupCommit[str, list[ApprovalRule]](self._read, stopped="the rule reader stopped")

    async def list(self, user: str) -> list[ApprovalRule]:
        """The user's rules. Every turn start reads them: the reads asked for while one is on its
        way go together in the next one, one query and one hop for all (store/group_commit.py;
        100 turns starting at once made 100 reads, 63 ms p50 each, queued on the worker threads)."""
        return await self._lists.submit(user)

    async def _read(self, users: Users) -> PerUser:
        return await self._reads.run(functools.partial(_read_rules, users=users))

    async def add(self, user: str, rule: NewRule) -> ApprovalRule:
        """Add ``rule``, replacing the user's rule for the same tool and scope."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(ApprovalRuleRow).where(
                    ApprovalRuleRow.user == user,
                    ApprovalRuleRow.server == rule.server,
                    ApprovalRuleRow.tool == rule.tool,
                    ApprovalRuleRow.chat_id.is_(None)
                    if rule.chat_id is None
                    else ApprovalRuleRow.chat_id == rule.chat_id,
                )
            )
            row = ApprovalRuleRow(
                user=user,
                chat_id=rule.chat_id,
                server=rule.server,
                tool=rule.tool,
                action=rule.action,
                created_at=utcnow(),
            )
            session.add(row)
            await session.flush()
            return _rule(row)

    async def remove(self, user: str, rule_id: str) -> None:
        if not rule_id.isdigit():
            raise NotFound(f"approval rule '{rule_id}' not found")
        async with self._sessions.begin() as session:
            result = await session.execute(
                delete(ApprovalRuleRow).where(
                    ApprovalRuleRow.user == user, ApprovalRuleRow.id == int(rule_id)
                )
            )
            if not getattr(result, "rowcount", 0):
                raise NotFound(f"approval rule '{rule_id}' not found")
