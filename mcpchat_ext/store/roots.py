"""The roots each user chose per MCP server (``users.server_roots``: server name -> absolute
directories), kept on the user's row so catalog servers, which have no row, keep theirs too."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .models import User


class RootsStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def get(self, user: str) -> dict[str, list[str]]:
        """The roots the user chose per server (servers without a choice are left out)."""
        async with self._sessions() as session:
            row = await session.get(User, user)
            saved = (row.server_roots if row is not None else None) or {}
            return {str(k): [str(p) for p in v] for k, v in saved.items() if isinstance(v, list)}

    async def set(self, user: str, name: str, roots: list[str] | None) -> None:
        """Keep ``roots`` as the choice for server ``name`` (None: forget it)."""
        async with self._sessions.begin() as session:
            row = await session.get(User, user)
            if row is None:
                row = User(name=user)
                session.add(row)
            saved = dict(row.server_roots or {})
            if roots is None:
                saved.pop(name, None)
            else:
                saved[name] = list(roots)
            row.server_roots = saved
