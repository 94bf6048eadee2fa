"""Chat rows as the protocol shows them: the turn start's chat read, the chat list, and the turn
end's touch in batches.

Every turn start reads its chat (title, servers, model) and thread id: :func:`read_chats`, in the
writer-thread hop that takes the chat's run lease too (store/chat_leases.py; with 100 chats
starting a turn at once, separate reads had each waited for a worker thread and, in it, for the
GIL: 64 ms p50, 440 ms p95 a read, benchmarks/README.md 2026-12-04). The touches (a chat's time
of last use, after each turn) asked for together are one UPDATE on the writer thread
(:class:`ChatTouches`, store/group_commit.py).
"""

from __future__ import annotations

from typing import Any, Protocol

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..protocol import ChatInfo
from .group_commit import GroupCommit
from .models import Chat, utcnow
from .thread_sessions import ThreadSessions
from .timestamps import aware

# Chat ids in one query (SQLite allows 32,766 parameters).
IDS_PER_QUERY = 500

Key = tuple[str, str]  # (user, chat id)
Found = tuple[ChatInfo, str] | None


class _ChatFields(Protocol):
    id: str
    title: str
    servers: list[str] | None
    model: str | None
    created_at: Any
    updated_at: Any


# The columns a chat is shown with, read as plain rows: the ORM's objects made the turn start's
# chat read 0.3 ms of Python on a worker thread (the GIL held), a plain row a tenth of that.
COLUMNS = (Chat.id, Chat.title, Chat.servers, Chat.model, Chat.created_at, Chat.updated_at)
_BY_IDS = select(Chat.user, Chat.thread_id, *COLUMNS).where(Chat.id.in_(bindparam("ids", expanding=True)))
# A user's chats, last used first (the chat list, sent after every turn: 300 chats took 8 ms).
CHATS_OF_USER = (
    select(*COLUMNS)
    .where(Chat.user == bindparam("user"))
    .order_by(Chat.updated_at.desc(), Chat.created_at.desc())
)


def chat_info(row: Chat | Row[Any] | _ChatFields) -> ChatInfo:
    """The protocol's view of a chat row (an ORM row, or a plain one with :data:`COLUMNS`)."""
    return ChatInfo(
        id=row.id,
        title=row.title,
        servers=list(row.servers or []),
        model=row.model,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
    )


def read_chats(session: Session, keys: list[Key]) -> list[Found]:
    """The chat and thread id of each (user, chat id) of ``keys``: one query for up to
    IDS_PER_QUERY chats; None for a chat that does not exist or is another user's."""
    ids = sorted({chat_id for _, chat_id in keys})
    rows: dict[Key, Any] = {}
    conn = session.connection()
    for at in range(0, len(ids), IDS_PER_QUERY):
        found = conn.execute(_BY_IDS, {"ids": ids[at : at + IDS_PER_QUERY]})
        rows.update(((row.user, row.id), row) for row in found)
    return [(chat_info(row), row.thread_id) if (row := rows.get(key)) else None for key in keys]


class ChatTouches:
    """A chat's time of last use, set after each turn (NotFound for a chat that is not the
    user's)."""

    def __init__(self, db: ThreadSessions) -> None:
        self._db = db
        self._touches = GroupCommit[Key, bool](self._touch, stopped="the chat writer stopped")

    async def touch(self, user: str, chat_id: str) -> None:
        """Set the chat's time of last use to now (NotFound for a chat that is not the user's)."""
        if not await self._touches.submit((user, chat_id)):
            raise NotFound(f"chat '{chat_id}' not found")

    async def _touch(self, keys: list[Key]) -> list[bool]:
        def write(session: Session) -> list[bool]:
            now = utcnow()
            by_user: dict[str, list[str]] = {}
            for user, chat_id in keys:
                by_user.setdefault(user, []).append(chat_id)
            found: set[Key] = set()
            with session.begin():
                for user, ids in by_user.items():
                    for at in range(0, len(ids), IDS_PER_QUERY):
                        mine = Chat.user == user, Chat.id.in_(ids[at : at + IDS_PER_QUERY])
                        found.update(
                            (user, chat_id) for chat_id in session.scalars(select(Chat.id).where(*mine))
                        )
                        session.execute(update(Chat).where(*mine).values(updated_at=now))
            return [key in found for key in keys]

        return await self._db.run(write, serial=True)
