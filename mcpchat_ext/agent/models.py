"""The chat models of the engine: the catalog's entries as LangChain chat models.

``openai`` entries are streaming ChatOpenAI (chat-completions API), ``anthropic`` entries
ChatAnthropic, and the offline demo model answers when nothing is configured. Keys are read from
the environment when a model is built and never appear in what :func:`entry_info` returns.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from ..config import EngineConfig
from ..demo.model import DEMO_MODEL_NAME, DemoChatModel
from ..errors import ModelError
from ..protocol import ModelInfo
from .catalog import DEMO_ID, ENV_ID, ModelCatalog, ModelEntry
from .streaming import fast_streaming

log = logging.getLogger("mcpchat_ext")
DEMO_LABEL = "Offline demo model (no OPENAI_API_KEY set)"
DEMO_FORCED_LABEL = "Offline demo model"
# One retry for transient failures (connection reset, 5xx); the UI reports the rest quickly.
MAX_RETRIES = 1
# Seconds per connect / read / write (not a total: long streamed answers keep going).
REQUEST_TIMEOUT = 60.0
# Anthropic's Messages API requires max_tokens; the catalog's max_tokens overrides it.
ANTHROPIC_MAX_TOKENS = 4096


def env_entry(cfg: EngineConfig) -> ModelEntry | None:
    """The model of the environment configuration (OPENAI_API_KEY...), when a key is set."""
    if not cfg.openai_api_key:
        return None
    base_url = public_url(cfg.openai_base_url)
    where = urlsplit(base_url).netloc if base_url else "OpenAI"
    return ModelEntry(
        id=ENV_ID,
        provider="openai",
        model=cfg.model_name,
        label=f"{cfg.model_name} ({where})",
        base_url=cfg.openai_base_url,
        api_key=cfg.openai_api_key,
        temperature=cfg.temperature,
        images=cfg.model_accepts_images,
    )


def demo_entry(cfg: EngineConfig) -> ModelEntry:
    configured = bool(cfg.openai_api_key or cfg.model_catalog)
    label = DEMO_FORCED_LABEL if configured else DEMO_LABEL
    return ModelEntry(id=DEMO_ID, provider="demo", model=DEMO_MODEL_NAME, label=label)


def build_catalog(cfg: EngineConfig) -> ModelCatalog:
    """Every model on offer: the environment's, the administrator's, and the demo model.

    The default: ``cfg.default_model`` if set; else the demo model when ``demo_model`` forces it;
    else the environment's model, else the catalog's first; the demo model when nothing is set.
    ValueError when ``default_model`` is not offered.
    """
    env = env_entry(cfg)
    entries = [e for e in (env, *cfg.model_catalog) if e is not None]
    default = cfg.default_model
    if default is None:
        default = DEMO_ID if cfg.demo_model or not entries else entries[0].id
    return ModelCatalog([*entries, demo_entry(cfg)], default)


def build_model(entry: ModelEntry, stream_process: bool = True) -> BaseChatModel:
    """The streaming chat model of ``entry`` (its key read from the environment now);
    ``stream_process``: an OpenAI-compatible model reads its replies in the stream process
    (started now, so that the first reply does not wait for it)."""
    if entry.provider == "demo":
        return DemoChatModel()
    key = entry.key()
    if entry.api_key_env and not key:
        raise ModelError(
            f"model {entry.id!r}: its key's environment variable {entry.api_key_env} is not set "
            "where the Jupyter server runs; set it (and restart) or pick another model"
        )
    if entry.provider == "anthropic":
        try:
            from langchain_anthropic import ChatAnthropic
        except ImportError:
            raise ModelError(
                f"model {entry.id!r} needs langchain-anthropic: pip install 'mcpchat-ext[anthropic]'"
            ) from None

        return ChatAnthropic(
            model_name=entry.model,
            api_key=SecretStr(key or "not-needed"),
            base_url=entry.base_url,
            temperature=entry.temperature,
            max_tokens_to_sample=entry.max_tokens or ANTHROPIC_MAX_TOKENS,
            stop=None,
            streaming=True,
            stream_usage=True,
            max_retries=MAX_RETRIES,
            timeout=REQUEST_TIMEOUT,
        )
    from .openai_stream import StreamingChatOpenAI  # (ChatOpenAI reading its stream as JSON)

    if stream_process:
        from .stream_process.client import STREAM_PROCESS

        STREAM_PROCESS.prewarm()
    return StreamingChatOpenAI(
        model=entry.model,
        # a local endpoint (vLLM, Ollama) may need none; the client insists on some value
        api_key=SecretStr(key) if key else SecretStr("not-needed") if entry.base_url else None,
        base_url=entry.base_url,
        temperature=entry.temperature,
        max_completion_tokens=entry.max_tokens,
        streaming=True,
        stream_usage=True,
        use_responses_api=False,
        max_retries=MAX_RETRIES,
        timeout=REQUEST_TIMEOUT,
        http_async_client=_own_http_client(),
        stream_process=stream_process,
    )


def _own_http_client() -> Any:
    """An HTTP client for one model alone, closed with it (:func:`close_model`).

    Without one, langchain-openai shares a process-wide client per base URL, whose pooled
    connections belong to the event loop that first used them: a later loop on the same URL (a new
    ``asyncio.run`` around the Python API, a restarted server on a reused port) then failed every
    reply with "Event loop is closed"."""
    from .openai_stream import PlainHttpClient  # (the stream thread may copy it)

    return PlainHttpClient(timeout=REQUEST_TIMEOUT)


async def close_model(model: BaseChatModel) -> None:
    """Close the HTTP client :func:`build_model` gave ``model`` (if any)."""
    client = getattr(model, "http_async_client", None)
    if client is not None and hasattr(client, "aclose"):
        await client.aclose()
    close_thread_client = getattr(model, "aclose_stream_client", None)
    if close_thread_client is not None:
        await close_thread_client()


def make_model(cfg: EngineConfig) -> BaseChatModel:
    """The default model of ``cfg``: streaming ChatOpenAI or the demo model."""
    return build_model(build_catalog(cfg).default, cfg.model_stream_process)


def public_url(url: str | None) -> str | None:
    """``url`` without credentials, query or fragment (safe to show to users)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def entry_info(entry: ModelEntry) -> ModelInfo:
    """What clients see of a catalog entry: never its key (nor its environment variable)."""
    return ModelInfo(
        id=entry.id,
        name=entry.model,
        base_url=public_url(entry.base_url),
        demo=entry.provider == "demo",
        label=entry.label,
        provider=entry.provider,
        context_window=entry.context_window,
        images=entry.images,
        input_price=entry.input_price,
        output_price=entry.output_price,
    )


def model_info(cfg: EngineConfig) -> ModelInfo:
    """What the UI shows about the default model; never contains the API key."""
    return entry_info(build_catalog(cfg).default)


class ModelPool:
    """The catalog's chat models, each built once on first use (off the event loop: building
    ChatOpenAI loads the CA bundle)."""

    def __init__(
        self, catalog: ModelCatalog, default: BaseChatModel | None = None, stream_process: bool = True
    ) -> None:
        self.catalog = catalog
        self.stream_process = stream_process
        self._models: dict[str, BaseChatModel] = {}
        if default is not None:
            self._models[catalog.default.id] = fast_streaming(default)
        self._lock = asyncio.Lock()

    def infos(self) -> list[ModelInfo]:
        return [entry_info(e) for e in self.catalog.entries.values()]

    async def model(self, entry: ModelEntry) -> BaseChatModel:
        async with self._lock:
            model = self._models.get(entry.id)
            if model is None:
                built = await asyncio.to_thread(build_model, entry, self.stream_process)
                # streamed as the graph's own model is (one watchdog per stream, agent/streaming.py)
                model = self._models[entry.id] = fast_streaming(built)
            return model

    async def aclose(self) -> None:
        """Close the models' HTTP clients (the engine's end)."""
        async with self._lock:
            models, self._models = list(self._models.values()), {}
        for model in models:
            await close_model(model)


async def turn_model(pool: ModelPool, model_id: str | None) -> dict[str, Any]:
    """The TurnContext fields of a chat's model (a switch mid-chat applies to the next reply); a
    model no longer offered falls back to the default (the chat's ``model_note`` says so)."""
    entry, note = pool.catalog.resolve(model_id)
    if note:
        log.warning("mcpchat_ext: %s", note)
    return {"model": await pool.model(entry), "model_entry": entry}
