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
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import EngineConfig

if TYPE_CHECKING:
    from .protocol import ModelInfo, ServerSpec
    from .sessions import SessionRegistry, UserSession
    from .store import Store

log = logging.getLogger("mcpchat_ext")

DEMO_SERVER_NAME = "demo"


def demo_server_spec() -> ServerSpec:
    """The bundled offline demo MCP server, run with the current interpreter."""
    from .protocol import ServerSpec  # lazily: pydantic stays off the start-up path

    return ServerSpec(
        name=DEMO_SERVER_NAME,
        transport="stdio",
        command=sys.executable,
        args=["-m", "mcpchat_ext.demo_server"],
        # stdio servers get a minimal environment (no PYTHONPATH): run from the package's parent
        # directory so `-m mcpchat_ext.demo_server` resolves however the package was installed
        cwd=str(Path(__file__).resolve().parents[1]),
        description="Bundled demo tools (arithmetic, time, text) that work offline",
    )


def _import_engine_modules(real_model: bool) -> None:
    for name in (".agent.checkpoint", ".agent.graph", ".agent.models", ".sessions", ".store"):
        importlib.import_module(name, __package__)
    if real_model:  # what ChatOpenAI imports lazily on its first request
        for name in ("langchain_openai", "openai.types.responses", "openai.types.chat"):
            importlib.import_module(name)


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
    """Owns everything shared between users of one process; hands out :class:`UserSession`."""

    def __init__(self, config: EngineConfig, *, idle_timeout: float = 3600.0) -> None:
        self.config = config
        self.idle_timeout = idle_timeout
        self._started = False
        self._start_lock = asyncio.Lock()
        self._stack = contextlib.AsyncExitStack()
        self.store: Store
        self.checkpointer: Any
        self.graph: Any
        self.model_info: ModelInfo
        self.registry: SessionRegistry

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
            # ~1 s of imports (LangGraph, LangChain, SQLAlchemy, OpenAI): off the event loop, so the
            # first chat connection does not freeze the Jupyter server (kernels, other users)
            await asyncio.to_thread(_import_engine_modules, not self.config.uses_demo_model)
            from .agent.checkpoint import open_checkpointer
            from .agent.graph import build_graph
            from .agent.models import make_model, model_info
            from .sessions import SessionRegistry
            from .store import Store

            cfg = self.config
            cfg.data_dir.mkdir(parents=True, exist_ok=True)
            self.store = await Store.open(cfg.resolved_db_url)
            self._stack.push_async_callback(self.store.close)
            self.checkpointer = await self._stack.enter_async_context(
                open_checkpointer(cfg.resolved_checkpoint_path)
            )
            self.model_info = model_info(cfg)
            # ChatOpenAI loads the CA bundle when built: off the loop too
            model = await asyncio.to_thread(make_model, cfg)
            self.graph = build_graph(model, self.checkpointer)
            _freeze_startup_heap()
            self.registry = SessionRegistry(self, idle_timeout=self.idle_timeout)
            self._stack.push_async_callback(self.registry.aclose)
            self._started = True
            log.info("mcpchat engine started: model=%s data_dir=%s", self.model_info.label, cfg.data_dir)

    async def session(self, user: str) -> UserSession:
        """The (possibly new) session of ``user``; starts the engine on first use."""
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
