"""The kernel's working directory through jupyter-server's own file contents manager.

The same manager (``AsyncFileContentsManager``) as a Jupyter server's, with its root at the
kernel's working directory: the same path rules (``..`` and absolute paths cannot leave the root,
hidden files are refused), the same notebook reading and writing (nbformat), the file I/O in
worker threads. It is made on first use, its import (~0.3 s) in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from jupyter_core.utils import ensure_async


def _manager(root: str) -> Any:
    from jupyter_server.services.contents.filemanager import AsyncFileContentsManager

    return AsyncFileContentsManager(root_dir=root)


class LocalFiles:
    """The contents-manager calls the tools make (``get``, ``save``, ``exists``), on ``root``."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._cm: Any = None

    async def _manager(self) -> Any:
        if self._cm is None:
            self._cm = await asyncio.to_thread(_manager, self.root)
        return self._cm

    async def get(self, path: str, **kw: Any) -> Any:
        return await ensure_async((await self._manager()).get(path, **kw))

    async def save(self, model: dict[str, Any], path: str) -> Any:
        return await ensure_async((await self._manager()).save(model, path))

    async def exists(self, path: str) -> bool:
        return bool(await ensure_async((await self._manager()).exists(path)))
