"""The chat model of the engine: ChatOpenAI when an API key is set, else the offline demo model."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from ..config import EngineConfig
from ..demo.model import DEMO_MODEL_NAME, DemoChatModel
from ..protocol import ModelInfo

DEMO_LABEL = "Offline demo model (no OPENAI_API_KEY set)"
DEMO_FORCED_LABEL = "Offline demo model"
# One retry for transient failures (connection reset, 5xx); the UI reports the rest quickly.
MAX_RETRIES = 1
# Seconds per connect / read / write (not a total: long streamed answers keep going).
REQUEST_TIMEOUT = 60.0


def make_model(cfg: EngineConfig) -> BaseChatModel:
    """The model for ``cfg``: streaming ChatOpenAI (chat-completions API) or the demo model."""
    if cfg.uses_demo_model:
        return DemoChatModel()
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        model=cfg.model_name,
        api_key=SecretStr(cfg.openai_api_key) if cfg.openai_api_key else None,
        base_url=cfg.openai_base_url,
        temperature=cfg.temperature,
        streaming=True,
        stream_usage=True,
        use_responses_api=False,
        max_retries=MAX_RETRIES,
        timeout=REQUEST_TIMEOUT,
    )


def public_url(url: str | None) -> str | None:
    """``url`` without credentials, query or fragment (safe to show to users)."""
    if not url:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def model_info(cfg: EngineConfig) -> ModelInfo:
    """What the UI shows about the model; never contains the API key."""
    if cfg.uses_demo_model:
        label = DEMO_LABEL if not cfg.openai_api_key else DEMO_FORCED_LABEL
        return ModelInfo(name=DEMO_MODEL_NAME, base_url=None, demo=True, label=label)
    base_url = public_url(cfg.openai_base_url)
    where = urlsplit(base_url).netloc if base_url else "OpenAI"
    return ModelInfo(name=cfg.model_name, base_url=base_url, demo=False, label=f"{cfg.model_name} ({where})")
