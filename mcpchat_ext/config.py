"""Host-agnostic engine configuration.

The Jupyter ``ExtensionApp`` maps its documented traitlets onto this dataclass;
the notebook Python API builds it from environment variables. The core engine
reads nothing else.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pydantic stays off the extension's start-up path
    from .agent.catalog import ModelEntry
    from .protocol import ServerSpec


def local_user() -> str:
    """The user owning this process: the JupyterHub user on a hub, else the OS user."""
    return os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


def default_data_dir() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "mcpchat_ext"


DEFAULT_MAX_TOOL_ROUNDS = 8


@dataclass
class EngineConfig:
    data_dir: Path = field(default_factory=default_data_dir)
    # SQLAlchemy async URL of the app store; default: sqlite+aiosqlite:///<data_dir>/app.db
    db_url: str | None = None
    # Path of the LangGraph checkpoint SQLite file; default: <data_dir>/checkpoints.db
    checkpoint_path: Path | None = None
    openai_api_key: str | None = None
    openai_base_url: str | None = None
    model_name: str = "gpt-4o-mini"
    temperature: float | None = None
    # Force the offline demo model even when a key is set.
    demo_model: bool = False
    # Administrator-defined models users pick per chat (see agent/catalog.py); the demo model and
    # the environment's (openai_api_key / openai_base_url / model_name) are added to them.
    model_catalog: list[ModelEntry] = field(default_factory=list)
    # The id of the catalog model new chats use (None: the catalog's own default; see agent/models.py).
    default_model: str | None = None
    tool_timeout: float = 60.0  # seconds per MCP tool call
    connect_timeout: float = 30.0  # seconds to start / initialise an MCP server
    max_output_chars: int = 20_000  # tool output cap, with a truncation marker
    # Seconds an MCP server's elicitation or sampling request waits for the user's answer.
    server_request_timeout: float = 300.0
    # The most tokens an MCP server's sampling request may have the chat's model write.
    sampling_max_tokens: int = 4096
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS  # LLM -> tools loops per user message
    # Estimated tokens of chat history sent to the model (newest whole turns; 0: everything).
    max_context_tokens: int = 100_000
    # The directory offered to MCP servers as the client's root (None: the current directory);
    # the Jupyter extension sets its server's root_dir.
    roots_dir: str | None = None
    # The model reads images: images of tool results are passed to it as image content.
    model_accepts_images: bool = False
    # Auto-approve policy: entries "server" (all its tools) or "server:tool". Empty: always ask.
    auto_approve: list[str] = field(default_factory=list)
    # Administrator approval rules, first match wins, over the users' own:
    # {"server": glob, "tool": glob (default "*"), "action": "allow" | "ask" | "deny"}.
    approval_rules: list[dict[str, str]] = field(default_factory=list)
    # Admin-defined servers every user gets (read-only for users).
    server_catalog: list[ServerSpec] = field(default_factory=list)
    # Offer the bundled offline demo MCP server ("demo") to every user.
    include_demo_server: bool = True
    system_prompt: str | None = None
    # Seconds after which an idle user's workspace (and its MCP servers) is closed; 0: never.
    idle_timeout: float = 3600.0
    # Visitors of a shared server (not its owner) may add, change and start stdio servers.
    allow_visitor_stdio_servers: bool = False
    # Offer the built-in ``jupyter`` tools (files, notebooks, kernels) where a Jupyter server runs.
    jupyter_tools: bool = True
    # Read model reply streams in a process of their own (agent/stream_process/); False: here.
    model_stream_process: bool = True
    # Fernet key(s) (";"-separated, the first encrypts) for MCP server credentials at rest.
    crypt_key: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, **overrides: object) -> EngineConfig:
        """Defaults overlaid with OPENAI_API_KEY / OPENAI_BASE_URL / MCPCHAT_MODEL / MCPCHAT_DATA_DIR
        / MCPCHAT_CRYPT_KEY / MCPCHAT_MODEL_CATALOG_FILE / MCPCHAT_DEFAULT_MODEL."""
        env = os.environ
        cfg = cls()
        cfg.openai_api_key = env.get("OPENAI_API_KEY") or None
        cfg.openai_base_url = env.get("OPENAI_BASE_URL") or None
        cfg.model_name = env.get("MCPCHAT_MODEL", env.get("OPENAI_MODEL", cfg.model_name))
        if env.get("MCPCHAT_DATA_DIR"):
            cfg.data_dir = Path(env["MCPCHAT_DATA_DIR"])
        cfg.crypt_key = env.get("MCPCHAT_CRYPT_KEY") or None
        if env.get("MCPCHAT_MODEL_CATALOG_FILE"):
            from .agent.catalog import load_catalog_file

            cfg.model_catalog, cfg.default_model = load_catalog_file(env["MCPCHAT_MODEL_CATALOG_FILE"])
        cfg.default_model = env.get("MCPCHAT_DEFAULT_MODEL") or cfg.default_model
        for key, value in overrides.items():
            if not hasattr(cfg, key):
                raise TypeError(f"unknown EngineConfig field {key!r}")
            if key in ("data_dir", "checkpoint_path") and isinstance(value, str):
                value = Path(value)
            setattr(cfg, key, value)
        return cfg

    @property
    def resolved_db_url(self) -> str:
        return self.db_url or f"sqlite+aiosqlite:///{self.data_dir / 'app.db'}"

    @property
    def resolved_checkpoint_path(self) -> Path:
        return self.checkpoint_path or self.data_dir / "checkpoints.db"

    @property
    def uses_demo_model(self) -> bool:
        return self.demo_model or not self.openai_api_key
