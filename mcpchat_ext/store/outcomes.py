"""How each chat's last turn ended when it did not end with a reply (stopped, failed, interrupted):
one record per chat, on its row (see :mod:`mcpchat_ext.users.outcomes`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..errors import NotFound
from ..protocol import TurnOutcome
from .models import Chat


class OutcomeStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    @staticmethod
    async def _chat(session: AsyncSession, user: str, chat_id: str) -> Chat:
        row = await session.scalar(select(Chat).where(Chat.user == user, Chat.id == chat_id))
        if row is None:
            raise NotFound(f"chat '{chat_id}' not found")
        return row

    async def set(self, user: str, chat_id: str, outcome: TurnOutcome) -> None:
        """Record how the chat's last turn ended (replaces the one recorded before)."""
        async with self._sessions.begin() as session:
            row = await self._chat(session, user, chat_id)
            row.outcome = outcome.model_dump(mode="json")

    async def get(self, user: str, chat_id: str) -> TurnOutcome | None:
        """How the chat's last turn ended, as recorded (None: nothing recorded)."""
        async with self._sessions() as session:
            row = await self._chat(session, user, chat_id)
            return TurnOutcome.model_validate(row.outcome) if row.outcome else None
