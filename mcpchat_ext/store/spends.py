"""What MCP servers' sampling requests spent on each chat's model, one row per request the model
answered, written when it answered (see :mod:`mcpchat_ext.agent.call_asker`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..errors import NotFound
from ..protocol import Usage
from .faults import storage_guarded
from .models import Chat, SamplingSpend, utcnow


@storage_guarded  # a full disk, a read-only or locked file: StorageError
class SpendStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record(self, user: str, chat_id: str, call_id: str, usage: Usage) -> None:
        """Keep what one sampling request of ``call_id`` spent (NotFound: not a chat of ``user``)."""
        async with self._sessions.begin() as session:
            chat = await session.scalar(select(Chat.id).where(Chat.user == user, Chat.id == chat_id))
            if chat is None:
                raise NotFound(f"chat '{chat_id}' not found: its sampling usage was not recorded")
            session.add(
                SamplingSpend(
                    user=user,
                    chat_id=chat_id,
                    call_id=call_id,
                    input_tokens=usage.input_tokens,
                    output_tokens=usage.output_tokens,
                    cost=usage.cost,
                    model=usage.model,
                    spent_at=utcnow(),
                )
            )

    async def of_chat(self, user: str, chat_id: str) -> dict[str, Usage]:
        """Tool call id -> what its sampling requests spent, in total (calls without: left out)."""
        query = (
            select(
                SamplingSpend.call_id,
                func.sum(SamplingSpend.input_tokens),
                func.sum(SamplingSpend.output_tokens),
                func.sum(SamplingSpend.cost),  # (NULL when no request of the call had a price)
                func.max(SamplingSpend.model),
            )
            .where(SamplingSpend.user == user, SamplingSpend.chat_id == chat_id)
            .group_by(SamplingSpend.call_id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return {
            str(call_id): Usage(
                input_tokens=int(tokens_in or 0),
                output_tokens=int(tokens_out or 0),
                cost=float(cost) if cost is not None else None,
                model=model,
            )
            for call_id, tokens_in, tokens_out, cost, model in rows
        }
