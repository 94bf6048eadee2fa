"""The process-wide engine: one store, one checkpointer, one compiled graph, one registry of users.

Heavy imports (LangGraph, LangChain, SQLAlchemy) happen in :meth:`Engine.start`, not at import
time, so that merely loading the Jupyter server extension stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import importlib
import logging
from typing import TYPE_CHECKING

from .config import EngineConfig, local_user
from .demo.spec import DEMO_SERVER_NAME, demo_server_spec

if TYPE_CHECKING:
    from pathlib import Path

    from .agent.checkpoint import ChatSaver
    from .protocol import ModelInfo, ServerSpec
    from .store import Store
    from .users.registry import UserRegistry
    from .users.workspace import EngineParts, UserWorkspace

log = logging.getLogger("mcpchat_ext")


def _import_engine_modules(real_model: bool) -> None:
    for name in (".agent.checkpoint", ".agent.graph", ".agent.models", ".users.registry", ".store"):
        importlib.import_module(name, __package__)
    importlib.import_module("jsonschema")  # checks edited tool arguments (seconds to import)
    if real_model:  # what ChatOpenAI imports lazily on its first request
        for name in ("langchain_openai", "openai.types.responses", "openai.types.chat"):
            importlib.import_module(name)


def _checkpointer_class(path: Path) -> type[ChatSaver]:
    """The checkpointer, raising its database failures as StorageError naming ``path``."""
    from .agent.checkpoint import ChatSaver
    from .store.faults import storage_guarded

    saver: type[ChatSaver] = type("GuardedChatSaver", (ChatSaver,), {"storage_path": str(path)})
    return storage_guarded(saver)


_heap_frozen = False


def _freeze_startup_heap() -> None:
    """Once per process: move the objects alive after start-up (~400k: Jupyter, LangChain, LangGraph,
    OpenAI modules) to the GC's permanent generation. Full collections then scan only what chats
    create; without this each one paused the event loop 0.4-0.6 s under load (bench_concurrency)."""
    global _heap_frozen
    if not _heap_frozen:
        _heap_frozen = True
        gc.freeze()


class Engine:
    """Owns everything shared between users of one process; hands out :class:`UserWorkspace`."""

    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._started = False
        self._start_lock = asyncio.Lock()
        self._stack = contextlib.AsyncExitStack()
        self.parts: EngineParts
        self.registry: UserRegistry

    @property
    def model_info(self) -> ModelInfo:
        return self.parts.model_info

    @property
    def catalog(self) -> list[ServerSpec]:
        """Administrator-defined servers every user gets."""
        catalog = list(self.config.server_catalog)
        if self.config.include_demo_server and all(s.name != DEMO_SERVER_NAME for s in catalog):
            catalog.append(demo_server_spec())
        return catalog

    async def start(self) -> None:
        """Open the store and the checkpointer, build the model and graph (idempotent)."""
        async with self._start_lock:
            if self._started:
                return
            try:
                await self._start()
            except BaseException:
                await self._stack.aclose()  # a later start (after the fix) begins afresh
                self._stack = contextlib.AsyncExitStack()
                raise
            self._started = True
            log.info(
                "mcpchat engine started: model=%s data_dir=%s", self.model_info.label, self.config.data_dir
            )

    async def _start(self) -> None:
        # ~1 s of imports (LangGraph, LangChain, SQLAlchemy, OpenAI): off the event loop, so the
        # first chat connection does not freeze the Jupyter server (kernels, other users)
        await asyncio.to_thread(_import_engine_modules, not self.config.uses_demo_model)
        from .agent.graph import build_graph
        from .agent.models import make_model, model_info
        from .mcp_servers.log_redaction import SecretLogFilter
        from .users.admin_rules import parse_admin_rules
        from .users.registry import UserRegistry
        from .users.workspace import EngineParts, UserWorkspace

        cfg = self.config
        store, checkpointer = await self._open_storage()
        # ChatOpenAI loads the CA bundle when built: off the loop too
        model = await asyncio.to_thread(make_model, cfg)
        parts = self.parts = EngineParts(
            config=cfg,
            store=store,
            graph=build_graph(model, checkpointer),
            checkpointer=checkpointer,
            catalog=self.catalog,
            model_info=model_info(cfg),
            log_filter=SecretLogFilter(),
            owner=local_user(),
            admin_rules=parse_admin_rules(cfg.approval_rules, cfg.auto_approve),
        )
        parts.log_filter.install()
        self._stack.callback(parts.log_filter.uninstall)
        _freeze_startup_heap()

        async def open_workspace(user: str) -> UserWorkspace:
            await store.ensure_user(user)
            return UserWorkspace(parts, user)

        self.registry = UserRegistry(open_workspace, idle_timeout=cfg.idle_timeout)
        self._stack.push_async_callback(self.registry.aclose)

    async def _open_storage(self) -> tuple[Store, ChatSaver]:
        """The private data directory, the app store and the checkpointer (StorageError naming
        the path and the remedy when one cannot be used)."""
        from .agent.checkpoint import open_checkpointer
        from .errors import StorageError
        from .store import Store
        from .store.crypt import cipher_from_keys
        from .store.faults import storage_faults
        from .store.files import prepare_data_dir, private_file, sqlite_path

        cfg = self.config
        warning = await asyncio.to_thread(prepare_data_dir, cfg.data_dir)
        if warning:
            log.warning("mcpchat_ext: %s", warning)
        checkpoints = cfg.resolved_checkpoint_path
        for path in (sqlite_path(cfg.resolved_db_url), checkpoints):
            if path is not None:
                await asyncio.to_thread(private_file, path)
        try:
            cipher = cipher_from_keys(cfg.crypt_key)
        except ValueError as exc:
            raise StorageError(f"cannot encrypt the stored MCP server credentials: {exc}") from None
        store = await Store.open(cfg.resolved_db_url, cipher)
        self._stack.push_async_callback(store.close)
        with storage_faults(checkpoints):
            checkpointer: ChatSaver = await self._stack.enter_async_context(
                open_checkpointer(checkpoints, _checkpointer_class(checkpoints))
            )
        return store, checkpointer

    async def workspace(self, user: str) -> UserWorkspace:
        """The (possibly new) workspace of ``user``; starts the engine on first use."""
        await self.start()
        return await self.registry.get(user)

    async def aclose(self) -> None:
        """Close every user session (stopping MCP servers), the checkpointer and the store."""
        async with self._start_lock:
            if not self._started:
                return
            self._started = False
            await self._stack.aclose()
            self._stack = contextlib.AsyncExitStack()
