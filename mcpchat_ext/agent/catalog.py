"""The model catalog: the chat models a user may pick per chat, and which one is the default.

An administrator lists models in ``MCPChatExtension.model_catalog`` (or a JSON file,
``model_catalog_file``), like the MCP server catalog::

    {"models": {
        "gpt4o": {"provider": "openai", "model": "gpt-4o", "label": "GPT-4o",
                  "api_key_env": "OPENAI_API_KEY", "context_window": 128000, "images": true,
                  "input_price": 2.5, "output_price": 10},
        "local": {"provider": "openai", "model": "llama3.1", "base_url": "http://localhost:11434/v1",
                  "context_window": 8192},
        "claude": {"provider": "anthropic", "model": "claude-sonnet-4-5",
                   "api_key_env": "ANTHROPIC_API_KEY", "context_window": 200000}},
     "default": "gpt4o"}

``provider`` "openai" is every OpenAI-compatible chat-completions endpoint (OpenAI, Azure's
OpenAI-compatible endpoint, vLLM, Ollama, LiteLLM...); "anthropic" is Anthropic's Messages API
(langchain-anthropic). A key is named by its environment variable (``api_key_env``) and read
when the model is built: it is never stored in app.db and never part of what clients get.
Prices are per million input / output tokens. The offline demo model is always offered (id
``demo``); the environment configuration (``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
``MCPCHAT_MODEL``) is the entry ``env`` when a key is set. Nothing here imports LangChain.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Provider = Literal["openai", "anthropic", "demo"]
PROVIDERS: tuple[str, ...] = ("openai", "anthropic")
DEMO_ID = "demo"
ENV_ID = "env"
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_FIELDS = {
    "provider",
    "model",
    "label",
    "base_url",
    "api_key_env",
    "context_window",
    "images",
    "input_price",
    "output_price",
    "temperature",
    "max_tokens",
}


@dataclass(frozen=True)
class ModelEntry:
    """One model of the catalog (``api_key`` only for the environment entry: never sent)."""

    id: str
    provider: Provider
    model: str
    label: str
    base_url: str | None = None
    api_key_env: str | None = None
    api_key: str | None = field(default=None, repr=False)
    context_window: int | None = None
    images: bool = False
    input_price: float | None = None  # per million input tokens
    output_price: float | None = None  # per million output tokens
    temperature: float | None = None
    max_tokens: int | None = None

    def key(self) -> str | None:
        """The API key, read from the environment now (None: not set)."""
        if self.api_key:
            return self.api_key
        return os.environ.get(self.api_key_env) or None if self.api_key_env else None

    def cost(self, input_tokens: int, output_tokens: int) -> float | None:
        """What a reply cost in the catalog's currency (None: no prices set)."""
        if self.input_price is None and self.output_price is None:
            return None
        return (input_tokens * (self.input_price or 0.0) + output_tokens * (self.output_price or 0.0)) / 1e6


def _number(name: str, value: Any, *, integer: bool = False) -> Any:
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < 0 or not math.isfinite(value):
        what = "an integer" if integer else "a number"
        raise ValueError(f"model {name} must be {what} >= 0, got {value!r}")
    return value


def parse_entry(model_id: str, raw: Mapping[str, Any]) -> ModelEntry:
    """One catalog entry, checked (ValueError naming the model and the field)."""
    where = f"catalog entry {model_id!r}:"
    if not isinstance(model_id, str) or not _ID.match(model_id) or model_id in (DEMO_ID, ENV_ID):
        raise ValueError(
            f"model id {model_id!r} must be 1-64 letters, digits, '_', '-' or '.' (not 'demo' or 'env')"
        )
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object, got {type(raw).__name__}")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise ValueError(f"{where} unknown field(s) {unknown}; known: {sorted(_FIELDS)}")
    if "api_key" in raw:
        raise ValueError(f"{where} give the key's environment variable as api_key_env")
    provider = raw.get("provider", "openai")
    if provider not in PROVIDERS:
        raise ValueError(f"{where} provider must be one of {list(PROVIDERS)}, got {provider!r}")
    model = raw.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"{where} 'model' (the endpoint's model name) is required")
    for text in ("label", "base_url", "api_key_env"):
        if raw.get(text) is not None and not isinstance(raw[text], str):
            raise ValueError(f"{where} {text} must be a string")
    env = raw.get("api_key_env") or None
    if env is not None and not _ENV_NAME.match(env):
        raise ValueError(f"{where} api_key_env must be an environment variable name, got {env!r}")
    base_url = raw.get("base_url") or None
    if base_url is not None and not re.match(r"^https?://", base_url):
        raise ValueError(f"{where} base_url must start with http:// or https://")
    if not isinstance(raw.get("images", False), bool):
        raise ValueError(f"{where} images must be true or false")
    nums: dict[str, Any] = {}
    for name in ("context_window", "max_tokens"):
        if raw.get(name) is not None:
            nums[name] = _number(f"{model_id!r} {name}", raw[name], integer=True) or None
    for name in ("input_price", "output_price", "temperature"):
        if raw.get(name) is not None:
            nums[name] = float(_number(f"{model_id!r} {name}", raw[name]))
    return ModelEntry(
        id=model_id,
        provider=provider,
        model=model.strip(),
        label=str(raw.get("label") or model).strip(),
        base_url=base_url,
        api_key_env=env,
        images=bool(raw.get("images", False)),
        **nums,
    )


def parse_catalog(doc: Mapping[str, Any]) -> tuple[list[ModelEntry], str | None]:
    """The entries and the default id of a catalog document (``{"models": {...}, "default": id}``
    or just the inner mapping of ids to entries)."""
    if not isinstance(doc, Mapping):
        raise ValueError("the model catalog must be a JSON object")
    models = doc.get("models", doc if "default" not in doc else {})
    if not isinstance(models, Mapping):
        raise ValueError("the model catalog's 'models' must be an object of id -> entry")
    default = doc.get("default") if "models" in doc else None
    if default is not None and not isinstance(default, str):
        raise ValueError("the model catalog's 'default' must be a model id")
    return [parse_entry(k, v) for k, v in models.items()], default


class UnknownModel(LookupError):
    """A model id that the catalog does not (or no longer) offer."""


class ModelCatalog:
    """The models on offer, by id, and the default one."""

    def __init__(self, entries: Iterable[ModelEntry], default: str | None = None) -> None:
        self.entries: dict[str, ModelEntry] = {}
        for entry in entries:
            if entry.id in self.entries:
                raise ValueError(f"the model catalog lists {entry.id!r} twice")
            self.entries[entry.id] = entry
        if not self.entries:
            raise ValueError("the model catalog is empty")
        chosen = default or next(iter(self.entries))
        if chosen not in self.entries:
            raise ValueError(f"the default model {chosen!r} is not in the catalog; offered: {self.ids}")
        self.default = self.entries[chosen]

    @property
    def ids(self) -> list[str]:
        return list(self.entries)

    def get(self, model_id: str) -> ModelEntry:
        """The entry ``model_id`` (UnknownModel naming what is offered)."""
        entry = self.entries.get(model_id)
        if entry is None:
            raise UnknownModel(f"unknown model {model_id!r}; this server offers: {', '.join(self.ids)}")
        return entry

    def resolve(self, model_id: str | None) -> tuple[ModelEntry, str | None]:
        """The entry a chat with ``model_id`` uses, and a note when it falls back to the default
        (the chat's model was removed from the catalog)."""
        if model_id is None or model_id == self.default.id:
            return self.default, None
        entry = self.entries.get(model_id)
        if entry is not None:
            return entry, None
        note = f"the model {model_id!r} of this chat is no longer offered; replies use {self.default.label}"
        return self.default, note


def load_catalog_file(path: str) -> tuple[list[ModelEntry], str | None]:
    """The entries and default of the JSON catalog file ``path`` (ValueError naming the file)."""
    import json
    from pathlib import Path

    try:
        doc = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the model catalog file {path}: {exc}") from None
    try:
        return parse_catalog(doc)
    except ValueError as exc:
        raise ValueError(f"model catalog file {path}: {exc}") from None
