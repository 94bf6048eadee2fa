"""The app store: the only code that queries the database.

Every method is scoped by ``user``; rows of another user are indistinguishable from missing rows
(:class:`~mcpchat_ext.errors.NotFound`). SQLite files get WAL journaling and foreign keys.

Design decisions:

* Deleting a chat keeps its approval records: the audit trail is history, not chat state.
  ``list_decisions(user, chat_id)`` therefore still answers for a deleted chat.
* Renaming a server rewrites the server lists of the user's chats; removing a server drops it
  from them, so a later server with the same name is not silently re-enabled in old chats (the
  resources chats attached of it follow the rename, or go with it).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Conflict, NotFound
from ..protocol import ChatInfo, Decision, ServerSpec, ToolCall
from .attached import AttachedStore
from .chat_leases import ChatLeases
from .chat_rows import CHATS_OF_USER, ChatTouches, chat_info
from .crypt import Cipher, seal, unseal
from .engines import open_engines
from .faults import storage_guarded
from .leases import Leases, new_owner
from .models import ApprovalRecord, Chat, MCPServer, User, utcnow
from .outcomes import OutcomeStore
from .roots import RootsStore
from .rules import RuleStore
from .spends import SpendStore
from .thread_sessions import ThreadSessions
from .timestamps import aware


def _spec(row: MCPServer, cipher: Cipher | None) -> ServerSpec:
    fields = {
        "name": row.name,
        "transport": row.transport,
        "command": row.command,
        "args": list(row.args or []),
        "env": dict(row.env or {}),
        "cwd": row.cwd,
        "url": row.url,
        "headers": dict(row.headers or {}),
        "enabled": row.enabled,
        "description": row.description or "",
    }
    return ServerSpec.model_validate(unseal(fields, cipher, row.name))


def _apply_spec(row: MCPServer, spec: ServerSpec, cipher: Cipher | None) -> None:
    secret = {"env": dict(spec.env), "headers": dict(spec.headers), "url": spec.url, "args": list(spec.args)}
    sealed = seal(secret, cipher)  # (encrypted at rest when a crypt key is set)
    row.name = spec.name
    row.transport = spec.transport
    row.command = spec.command
    row.args = sealed["args"]
    row.env = sealed["env"]
    row.cwd = spec.cwd
    row.url = sealed["url"]
    row.headers = sealed["headers"]
    row.enabled = spec.enabled
    row.description = spec.description
    row.updated_at = utcnow()


def _decision_dict(row: ApprovalRecord) -> dict[str, Any]:
    return {
        "id": row.id,
        "chat_id": row.chat_id,
        "call_id": row.call_id,
        "tool": row.tool,
        "server": row.server,
        "server_tool": row.server_tool,
        "args": dict(row.args or {}),
        "action": row.action,
        "edited_args": row.edited_args,
        "reason": row.reason,
        "auto": row.auto,
        "rule": row.rule,
        "decided_at": aware(row.decided_at).isoformat(),
    }


@storage_guarded  # a full disk, a read-only or locked file: StorageError naming storage_path
class Store:
    """Async repository over SQLAlchemy 2 (``sqlite+aiosqlite:///path`` by default)."""

    def __init__(
        self, engine: AsyncEngine, cipher: Cipher | None = None, thread_engine: Engine | None = None
    ) -> None:
        """``cipher``: encrypts the credentials of stored MCP servers (see :mod:`.crypt`).
        ``thread_engine``: a synchronous engine on the same file, for the run leases and the turn
        start's read (on a worker thread, see :mod:`.thread_sessions`)."""
        self.engine = engine
        self._thread_engine = thread_engine
        self._cipher = cipher
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        thread_sessions = (
            sessionmaker(thread_engine, expire_on_commit=False) if thread_engine is not None else None
        )
        self._db = ThreadSessions(self._sessions, thread_sessions)  # (one hop per transaction)
        self._touches = ChatTouches(self._db)
        # run leases, shared by processes
        self.leases = Leases(self._db, owner=new_owner(), storage_path=self.storage_path)
        self.chat_leases = ChatLeases(self._db, self.leases)  # (a turn start's chat and lease)
        db = self._sessions
        self.rules, self.outcomes, self.roots = RuleStore(db, self._db), OutcomeStore(db), RootsStore(db)
        self.spends, self.attached = SpendStore(db), AttachedStore(db)  # servers' sampling, resources

    @property
    def storage_path(self) -> str:
        """The database file (or URL) that errors name."""
        database = self.engine.url.database or ""
        if database.startswith("file:"):  # an SQLite URI (file:/path?mode=ro)
            database = database.removeprefix("file:").split("?", 1)[0]
        return database or self.engine.url.render_as_string(hide_password=True)

    @classmethod
    async def open(cls, url: str, cipher: Cipher | None = None) -> Store:
        """Open (creating the parent directory and the tables) the database at ``url``."""
        engine, thread_engine = await open_engines(url)
        return cls(engine, cipher, thread_engine)

    @property
    def lease_engine(self) -> Engine:
        """The engine the run leases use (a thread's own on an SQLite file)."""
        return self._thread_engine if self._thread_engine is not None else self.engine.sync_engine

    async def close(self) -> None:
        self._db.close()
        await self.engine.dispose()
        if self._thread_engine is not None:
            await asyncio.to_thread(self._thread_engine.dispose)

    # -- users ------------------------------------------------------------------------------

    async def _ensure_user(self, session: AsyncSession, user: str) -> None:
        if await session.get(User, user) is None:
            session.add(User(name=user))
            await session.flush()

    async def ensure_user(self, user: str) -> None:
        try:
            async with self._sessions.begin() as session:
                await self._ensure_user(session, user)
        except IntegrityError:  # created concurrently: fine
            pass

    # -- chats ------------------------------------------------------------------------------

    async def _chat(self, session: AsyncSession, user: str, chat_id: str) -> Chat:
        row = await session.scalar(select(Chat).where(Chat.user == user, Chat.id == chat_id))
        if row is None:
            raise NotFound(f"chat '{chat_id}' not found")
        return row

    async def list_chats(self, user: str) -> list[ChatInfo]:
        """The user's chats, last used first (read whole on a worker thread: the chat list goes to
        the user's clients after turns end, and with 100 chats its rows were the event loop's)."""

        def read(session: Session) -> list[ChatInfo]:
            return [chat_info(r) for r in session.connection().execute(CHATS_OF_USER, {"user": user})]

        return await self._db.run(read)

    async def create_chat(
        self, user: str, title: str, servers: list[str], model: str | None = None
    ) -> ChatInfo:
        now = utcnow()
        row = Chat(
            id=uuid.uuid4().hex,
            user=user,
            title=title,
            thread_id=str(uuid.uuid4()),
            servers=list(dict.fromkeys(servers)),
            model=model,
            created_at=now,
            updated_at=now,
        )
        async with self._sessions.begin() as session:
            await self._ensure_user(session, user)
            session.add(row)
        return chat_info(row)

    async def get_chat(self, user: str, chat_id: str) -> ChatInfo:
        async with self._sessions() as session:
            return chat_info(await self._chat(session, user, chat_id))

    async def thread_id(self, user: str, chat_id: str) -> str:
        async with self._sessions() as session:
            return (await self._chat(session, user, chat_id)).thread_id

    async def update_chat(
        self,
        user: str,
        chat_id: str,
        *,
        title: str | None = None,
        servers: list[str] | None = None,
        model: str | None = None,
    ) -> ChatInfo:
        async with self._sessions.begin() as session:
            row = await self._chat(session, user, chat_id)
            if title is not None:
                row.title = title
            if servers is not None:
                row.servers = list(dict.fromkeys(servers))
            if model is not None:
                row.model = model
            row.updated_at = utcnow()
            await session.flush()
            return chat_info(row)

    async def touch_chat(self, user: str, chat_id: str) -> None:
        """The chat was used now (after a turn): the touches of turns ending together are one
        write (store/chat_rows.py)."""
        await self._touches.touch(user, chat_id)

    async def delete_chat(self, user: str, chat_id: str) -> str:
        """Delete the chat (its approval audit stays); returns its thread id for checkpoint cleanup."""
        async with self._sessions.begin() as session:
            row = await self._chat(session, user, chat_id)
            thread_id = row.thread_id
            await session.delete(row)
        return thread_id

    # -- MCP servers ------------------------------------------------------------------------

    async def _server(self, session: AsyncSession, user: str, name: str) -> MCPServer:
        row = await session.scalar(select(MCPServer).where(MCPServer.user == user, MCPServer.name == name))
        if row is None:
            raise NotFound(f"MCP server '{name}' not found")
        return row

    async def list_servers(self, user: str) -> list[ServerSpec]:
        async with self._sessions() as session:
            rows = await session.scalars(
                select(MCPServer).where(MCPServer.user == user).order_by(MCPServer.name)
            )
            return [_spec(r, self._cipher) for r in rows]

    async def get_server(self, user: str, name: str) -> ServerSpec:
        async with self._sessions() as session:
            return _spec(await self._server(session, user, name), self._cipher)

    async def add_server(self, user: str, spec: ServerSpec) -> ServerSpec:
        try:
            async with self._sessions.begin() as session:
                await self._ensure_user(session, user)
                taken = await session.scalar(
                    select(MCPServer.id).where(MCPServer.user == user, MCPServer.name == spec.name)
                )
                if taken is not None:
                    raise Conflict(f"an MCP server named '{spec.name}' already exists")
                row = MCPServer(user=user, created_at=utcnow())
                _apply_spec(row, spec, self._cipher)
                session.add(row)
        except IntegrityError as exc:  # lost a race with a concurrent add
            raise Conflict(f"an MCP server named '{spec.name}' already exists") from exc
        return _spec(row, self._cipher)

    async def update_server(self, user: str, name: str, spec: ServerSpec) -> ServerSpec:
        """Replace the server ``name`` by ``spec`` (which may rename it; chats follow the rename)."""
        try:
            async with self._sessions.begin() as session:
                row = await self._server(session, user, name)
                if spec.name != name:
                    taken = await session.scalar(
                        select(MCPServer.id).where(MCPServer.user == user, MCPServer.name == spec.name)
                    )
                    if taken is not None:
                        raise Conflict(f"an MCP server named '{spec.name}' already exists")
                    await self._rename_in_chats(session, user, name, spec.name)
                _apply_spec(row, spec, self._cipher)
        except IntegrityError as exc:
            raise Conflict(f"an MCP server named '{spec.name}' already exists") from exc
        return _spec(row, self._cipher)

    async def remove_server(self, user: str, name: str) -> None:
        async with self._sessions.begin() as session:
            row = await self._server(session, user, name)
            await session.delete(row)
            await self._rename_in_chats(session, user, name, None)

    async def _rename_in_chats(self, session: AsyncSession, user: str, old: str, new: str | None) -> None:
        await AttachedStore.rename_server(session, user, old, new)  # (resources attached to chats)
        rows = await session.scalars(select(Chat).where(Chat.user == user))
        for chat in rows:
            servers = list(chat.servers or [])
            if old in servers:
                replaced = [new if s == old else s for s in servers]
                chat.servers = list(dict.fromkeys(s for s in replaced if s is not None))

    # -- approval audit ---------------------------------------------------------------------

    async def record_decision(
        self, user: str, chat_id: str, call: ToolCall, decision: Decision, *, auto: bool = False
    ) -> None:
        """Append one decision to the audit trail (NotFound if the chat is not the user's): the
        call's identity, the model's arguments, the edited ones, and the rule that decided."""
        server_tool = call.tool
        async with self._sessions.begin() as session:
            await self._chat(session, user, chat_id)
            session.add(
                ApprovalRecord(
                    user=user,
                    chat_id=chat_id,
                    call_id=call.id,
                    tool=call.name,
                    server=call.server,
                    server_tool=server_tool,
                    args=dict(call.args),
                    action=decision.action,
                    edited_args=dict(decision.args) if decision.args is not None else None,
                    reason=decision.reason,
                    auto=auto,
                    rule=decision.rule,
                    decided_at=utcnow(),
                )
            )

    async def record_server_request(
        self, user: str, chat_id: str, call_id: str, server: str, kind: str, action: str, **detail: Any
    ) -> None:
        """Audit the user's answer to an MCP server's own request during ``call_id`` (``kind``
        elicitation/create, sampling/createMessage, sampling/result); ``detail``: ``request``
        (what was asked), ``answer`` (never the values the user typed), ``reason``."""
        async with self._sessions.begin() as session:
            await self._chat(session, user, chat_id)
            session.add(
                ApprovalRecord(
                    user=user,
                    chat_id=chat_id,
                    call_id=call_id,
                    tool=kind,
                    server=server,
                    args=dict(detail.get("request") or {}),
                    action=action,
                    edited_args=detail.get("answer"),
                    reason=detail.get("reason"),
                    decided_at=utcnow(),
                )
            )

    async def list_decisions(self, user: str, chat_id: str | None = None) -> list[dict[str, Any]]:
        """The user's decisions, oldest first; also for chats that were deleted since."""
        query = select(ApprovalRecord).where(ApprovalRecord.user == user)
        if chat_id is not None:
            query = query.where(ApprovalRecord.chat_id == chat_id)
        async with self._sessions() as session:
            rows = await session.scalars(query.order_by(ApprovalRecord.decided_at, ApprovalRecord.id))
            return [_decision_dict(r) for r in rows]

    async def delete_decisions(self, user: str, chat_id: str | None = None) -> int:
        """Purge audit rows (e.g. on account removal); returns how many were deleted."""
        query = delete(ApprovalRecord).where(ApprovalRecord.user == user)
        if chat_id is not None:
            query = query.where(ApprovalRecord.chat_id == chat_id)
        async with self._sessions.begin() as session:
            result = await session.execute(query)
            return int(getattr(result, "rowcount", 0) or 0)
