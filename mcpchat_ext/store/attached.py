"""The MCP resources attached to each chat, kept so that their watch outlives the process (see
:mod:`mcpchat_ext.users.attached_resources`): which resources, their labels, and whether their
server said one changed since the chat last sent it. Rows go with their chat (a foreign key) and
with their server (removed, or renamed: :meth:`AttachedStore.rename_server`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from ..errors import NotFound
from .faults import storage_guarded
from .models import AttachedResourceRow, Chat, utcnow


@dataclass(frozen=True)
class Attached:
    chat_id: str
    server: str
    uri: str
    label: str
    changed: bool = False


@storage_guarded  # a full disk, a read-only or locked file: StorageError
class AttachedStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def all(self, user: str) -> list[Attached]:
        """What the user's chats have attached, of the servers each chat still has."""
        query = (
            select(AttachedResourceRow, Chat.servers)
            .join(Chat, Chat.id == AttachedResourceRow.chat_id)
            .where(AttachedResourceRow.user == user)
            .order_by(AttachedResourceRow.id)
        )
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [
            Attached(r.chat_id, r.server, r.uri, r.label, bool(r.changed))
            for r, servers in rows
            if r.server in (servers or [])
        ]

    async def attach(self, user: str, chat_id: str, items: Sequence[tuple[str, str, str]]) -> None:
        """Keep ``(server, uri, label)`` as attached to the chat (a new label replaces the old);
        NotFound when the chat is not the user's (it was deleted meanwhile)."""
        async with self._sessions.begin() as session:
            chat = await session.scalar(select(Chat.id).where(Chat.user == user, Chat.id == chat_id))
            if chat is None:
                raise NotFound(f"chat '{chat_id}' not found: its attached resources are not watched")
            for server, uri, label in items:
                row = await session.scalar(
                    select(AttachedResourceRow).where(
                        AttachedResourceRow.chat_id == chat_id,
                        AttachedResourceRow.server == server,
                        AttachedResourceRow.uri == uri,
                    )
                )
                if row is None:
                    session.add(
                        AttachedResourceRow(
                            user=user,
                            chat_id=chat_id,
                            server=server,
                            uri=uri,
                            label=label,
                            attached_at=utcnow(),
                        )
                    )
                else:
                    row.label = label

    async def mark_changed(self, user: str, server: str, uri: str) -> None:
        """The server said ``uri`` changed: every chat of the user that has it is to send it again."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(AttachedResourceRow)
                .where(
                    AttachedResourceRow.user == user,
                    AttachedResourceRow.server == server,
                    AttachedResourceRow.uri == uri,
                )
                .values(changed=True)
            )

    async def clear_changed(self, user: str, chat_id: str) -> None:
        """The chat sends its changed resources again now."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(AttachedResourceRow)
                .where(AttachedResourceRow.user == user, AttachedResourceRow.chat_id == chat_id)
                .values(changed=False)
            )

    async def keep_servers(self, user: str, chat_id: str, servers: Collection[str]) -> None:
        """The chat's servers are now ``servers``: forget what it attached of any other."""
        async with self._sessions.begin() as session:
            await session.execute(
                delete(AttachedResourceRow).where(
                    AttachedResourceRow.user == user,
                    AttachedResourceRow.chat_id == chat_id,
                    AttachedResourceRow.server.not_in(list(servers)),
                )
            )

    @staticmethod
    async def rename_server(session: AsyncSession, user: str, old: str, new: str | None) -> None:
        """(In the transaction that renames or removes the server ``old``.) Its attached resources
        follow it to ``new``, or go with it (None)."""
        rows = AttachedResourceRow.user == user, AttachedResourceRow.server == old
        if new is None:
            await session.execute(delete(AttachedResourceRow).where(*rows))
        else:
            await session.execute(update(AttachedResourceRow).where(*rows).values(server=new))
