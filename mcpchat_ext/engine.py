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
from typing import TYPE_CHECKING, Any

from .config import EngineConfig, local_user
from .demo.spec import DEMO_SERVER_NAME, demo_server_spec

if TYPE_CHECKING:
    from pathlib import Path

    from .agent.checkpoint import ChatSaver
    from .jupyter_tools import JupyterTools
    from .jupyter_tools.in_kernel import KernelTools
    from .protocol import ModelInfo, NotebookAnswer, ServerSpec
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

    def __init__(self, config: EngineConfig, jupyter: JupyterTools | KernelTools | None = None) -> None:
        """``jupyter``: the built-in ``jupyter`` tools, the Jupyter server's or (Python API, widget
        in a kernel) the kernel's own; offered unless config.jupyter_tools is off."""
        self.config = config
        self.jupyter = jupyter if config.jupyter_tools else None
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
        if self.jupyter is not None and all(s.name != "jupyter" for s in catalog):
            catalog.append(self.jupyter.spec())
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
        real = not self.config.uses_demo_model or bool(self.config.model_catalog)
        await asyncio.to_thread(_import_engine_modules, real)
        from .agent.graph import build_graph
        from .agent.models import ModelPool, build_catalog, build_model, demo_entry, entry_info
        from .errors import ModelError
        from .mcp_servers.log_redaction import SecretLogFilter
        from .users.admin_rules import parse_admin_rules
        from .users.registry import UserRegistry
        from .users.workspace import EngineParts, UserWorkspace

        cfg = self.config
        catalog = build_catalog(cfg)  # ValueError: the default model is not offered
        store, checkpointer = await self._open_storage()
        # ChatOpenAI loads the CA bundle when built: off the loop too
        try:
            model = await asyncio.to_thread(build_model, catalog.default, cfg.model_stream_process)
            pool = ModelPool(catalog, model, cfg.model_stream_process)
        except ModelError as exc:  # (a key's variable is not set) each turn says so
            log.warning("mcpchat_ext: %s", exc)
            model = await asyncio.to_thread(build_model, demo_entry(cfg))
            pool = ModelPool(catalog, stream_process=cfg.model_stream_process)
        self._stack.push_async_callback(pool.aclose)  # (after the users' turns have stopped)
        parts = self.parts = EngineParts(
            config=cfg,
            store=store,
            graph=build_graph(model, checkpointer),
            checkpointer=checkpointer,
            catalog=self.catalog,
            model_info=entry_info(catalog.default),
            models=pool,
            log_filter=SecretLogFilter(),
            owner=local_user(),
            admin_rules=parse_admin_rules(cfg.approval_rules, cfg.auto_approve),
            builtins=None if self.jupyter is None else self.jupyter.servers_for,
            notebook_answers=None if self.jupyter is None else self._notebook_answered,
        )
        parts.log_filter.remember_values(k for e in catalog.entries.values() if (k := e.key()))
        parts.log_filter.install()
        self._stack.callback(parts.log_filter.uninstall)
        _freeze_startup_heap()

        async def open_workspace(user: str) -> UserWorkspace:
            await store.ensure_user(user)
            workspace = UserWorkspace(parts, user)
            await workspace.servers.load_roots()  # the roots the user chose per server
            await workspace.attached.load()  # the resources the chats watch (subscribed on connect)
            return workspace

        self.registry = UserRegistry(open_workspace, idle_timeout=cfg.idle_timeout)
        if self.jupyter is not None:
            self.jupyter.notify = self._notebook_changed
            self.jupyter.open_notebooks.ask = self._ask_open_notebook
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

    async def workspace(self, user: str, visitor: Any = None) -> UserWorkspace:
        """The (possibly new) workspace of ``user``; starts the engine on first use. ``visitor``:
        the request handler that authenticated ``user`` (the built-in tools act as them)."""
        await self.start()
        workspace = await self.registry.get(user)
        if visitor is not None and self.jupyter is not None:
            self.jupyter.bind(user, visitor)
        return workspace

    async def _notebook_changed(self, user: str, path: str, change: dict[str, Any]) -> None:
        """A user's ``jupyter`` tools changed a notebook: tell that user's clients."""
        if user in self.registry:
            from .protocol import NotebookChangedFrame

            workspace = await self.registry.get(user)
            await workspace.broadcast(NotebookChangedFrame(path=path, **change))

    async def _ask_open_notebook(self, user: str, request_id: str, path: str) -> None:
        if user in self.registry:
            from .protocol import NotebookRequestFrame

            workspace = await self.registry.get(user)
            await workspace.broadcast(NotebookRequestFrame(request_id=request_id, path=path))

    def _notebook_answered(self, user: str, answer: NotebookAnswer) -> bool:
        assert self.jupyter is not None
        state = {"dirty": answer.dirty, "cells": answer.cells} if answer.open else None
        return self.jupyter.open_notebooks.answer(user, answer.request_id, state)

    async def aclose(self) -> None:
        """Close every user session (stopping MCP servers), the checkpointer and the store."""
        async with self._start_lock:
            if not self._started:
                return
            self._started = False
            await self._stack.aclose()
            self._stack = contextlib.AsyncExitStack()
