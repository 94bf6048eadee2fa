"""user -> :class:`~.workspace.UserWorkspace`, with the idle ones closed after ``idle_timeout``.

Workspaces idle for ``idle_timeout`` seconds (no turn running, no client subscribed) are closed,
which stops their MCP server processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from ..errors import BadRequest
from .workspace import UserWorkspace

log = logging.getLogger("mcpchat_ext")

OpenWorkspace = Callable[[str], Awaitable[UserWorkspace]]


class UserRegistry:
    def __init__(self, open_workspace: OpenWorkspace, *, idle_timeout: float) -> None:
        self._open = open_workspace
        self.idle_timeout = idle_timeout
        self._workspaces: dict[str, UserWorkspace] = {}
        self._lock = asyncio.Lock()
        self._reaper: asyncio.Task[None] | None = None

    def __contains__(self, user: str) -> bool:
        return user in self._workspaces

    async def get(self, user: str) -> UserWorkspace:
        if not user:
            raise BadRequest("no user")
        async with self._lock:
            workspace = self._workspaces.get(user)
            if workspace is None:
                workspace = self._workspaces[user] = await self._open(user)
            if self._reaper is None and self.idle_timeout > 0:
                self._reaper = asyncio.create_task(self._reap_forever(), name="mcpchat-reaper")
        workspace.touch()
        return workspace

    async def reap(self) -> list[str]:
        """Close idle workspaces now; returns the users whose workspaces were closed."""
        now = time.monotonic()
        async with self._lock:
            idle = [
                u
                for u, w in self._workspaces.items()
                if not w.busy and now - w.last_used >= self.idle_timeout
            ]
            closing = [self._workspaces.pop(u) for u in idle]
        for workspace in closing:
            log.info("closing the idle mcpchat workspace of %s", workspace.user)
            await workspace.aclose()
        return idle

    async def _reap_forever(self) -> None:
        interval = max(1.0, min(self.idle_timeout / 4, 60.0))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap()
            except Exception:
                log.exception("reaping idle workspaces failed")

    async def aclose(self) -> None:
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
            self._reaper = None
        async with self._lock:
            workspaces, self._workspaces = list(self._workspaces.values()), {}
        await asyncio.gather(*(w.aclose() for w in workspaces), return_exceptions=True)
