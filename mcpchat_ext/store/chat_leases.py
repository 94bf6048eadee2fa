"""A turn start's chat read and run-lease take, in one hop to the writer thread.

Every turn start reads its chat (store/chat_rows.py) and takes the chat's run lease
(store/leases.py). As two hops at once, a read on a worker thread and the take on the writer
thread, each held the GIL while the other waited for it: on an idle server 1.8 ms from asking to
both answers, the largest part of the time before the model is called (issue 12: the first token
within 10 ms of the endpoint's). In one hop the read comes first, so a chat that does not exist,
or is another user's, never gets a lease row. The takes asked for while one is on the writer
thread go together in the next hop (store/group_commit.py): one query and one upsert for all.
"""

from __future__ import annotations

import functools

from sqlalchemy.orm import Session

from ..errors import NotFound
from ..protocol import ChatInfo
from .chat_rows import Key, read_chats
from .faults import storage_guarded
from .group_commit import GroupCommit
from .leases import Leases
from .thread_sessions import ThreadSessions

# (the chat's turn count after this take, None while another live process holds the lease; the
# chat; its thread id), or None: not the user's chat
Taken = tuple[int | None, ChatInfo, str] | None


@storage_guarded  # a full disk, a read-only or locked file: StorageError naming storage_path
class ChatLeases:
    def __init__(self, db: ThreadSessions, leases: Leases) -> None:
        self._db = db
        self._leases = leases
        self.storage_path = leases.storage_path
        self._takes = GroupCommit[Key, Taken](self._take_batch, stopped="the run-lease writer stopped")

    async def take(self, user: str, chat_id: str) -> tuple[int | None, ChatInfo, str]:
        """The user's chat and its thread id, with its run lease taken: the turn count after this
        take, or None while another live process holds the lease (nothing taken). NotFound for
        a chat that is not the user's (no lease taken)."""
        taken = await self._takes.submit((user, chat_id))
        if taken is None:
            raise NotFound(f"chat '{chat_id}' not found")
        return taken

    async def _take_batch(self, keys: list[Key]) -> list[Taken]:
        return await self._db.run(functools.partial(self._take_all, keys=keys), serial=True)

    def _take_all(self, session: Session, keys: list[Key]) -> list[Taken]:
        with session.begin():
            found = read_chats(session, keys)
        ids = [chat_id for (_, chat_id), chat in zip(keys, found, strict=True) if chat is not None]
        turns = dict(zip(ids, self._leases.take_all(session, ids), strict=True)) if ids else {}
        return [
            None if chat is None else (turns[chat_id], *chat)
            for (_, chat_id), chat in zip(keys, found, strict=True)
        ]
