"""The Jupyter server extension: documented traitlets -> EngineConfig -> Engine in the settings."""

from __future__ import annotations

import json
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jupyter_server.extension.application import ExtensionApp
from traitlets import Bool, Bunch, Dict, Float, Int, List, TraitError, Unicode, default, validate

from .config import EngineConfig, default_data_dir
from .endpoint_options import EndpointOptions
from .engine import Engine
from .frames.coalesce import DEFAULT_WINDOW_MS
from .handlers import route_table

ENGINE_KEY = "mcpchat_engine"
# Each default is written once, in EngineConfig; the traitlets take theirs from it.
_DEFAULTS = EngineConfig(data_dir=Path())


def _checked(proposal: Bunch, ok: Callable[[float], bool], expected: str) -> Any:
    """``proposal.value`` if ``ok``, else a TraitError naming the option and what it must be."""
    value = proposal.value
    if not ok(value):
        raise TraitError(f"MCPChatExtension.{proposal.trait.name} must be {expected}, got {value!r}")
    return value


class MCPChatExtension(EndpointOptions, ExtensionApp):
    """Chat with LangGraph agents that use MCP tools, every tool call approved by the user."""

    name = "mcpchat_ext"
    load_other_extensions = True

    data_dir = Unicode(
        help="Directory of app.db (chats, MCP servers, approval audit) and checkpoints.db "
        "(conversations). Default: <jupyter data dir>/mcpchat_ext, or $MCPCHAT_DATA_DIR.",
    ).tag(config=True)

    @default("data_dir")
    def _default_data_dir(self) -> str:
        return os.environ.get("MCPCHAT_DATA_DIR") or str(default_data_dir())

    db_url = Unicode(
        "",
        help="SQLAlchemy async URL of the app store. Default: sqlite+aiosqlite:///<data_dir>/app.db",
    ).tag(config=True)

    openai_api_key = Unicode(
        help="API key of the OpenAI-compatible endpoint. Default: $OPENAI_API_KEY. "
        "Without a key the clearly labelled offline demo model answers.",
    ).tag(config=True)

    @default("openai_api_key")
    def _default_key(self) -> str:
        return os.environ.get("OPENAI_API_KEY", "")

    openai_base_url = Unicode(
        help="Base URL of the OpenAI-compatible endpoint (e.g. http://localhost:11434/v1). "
        "Default: $OPENAI_BASE_URL, else api.openai.com.",
    ).tag(config=True)

    @default("openai_base_url")
    def _default_base_url(self) -> str:
        return os.environ.get("OPENAI_BASE_URL", "")

    model_name = Unicode(help=f"Model name. Default: $MCPCHAT_MODEL or {_DEFAULTS.model_name}.").tag(
        config=True
    )

    @default("model_name")
    def _default_model(self) -> str:
        return os.environ.get("MCPCHAT_MODEL") or os.environ.get("OPENAI_MODEL") or _DEFAULTS.model_name

    model_catalog = Dict(
        default_value={},
        help="""Models users pick per chat: {"models": {id: entry}, "default": id} or just the
        mapping of ids to entries. An entry: {"provider": "openai" (any OpenAI-compatible
        endpoint: OpenAI, Azure, vLLM, Ollama, LiteLLM...) | "anthropic", "model": the endpoint's
        model name, "label", "base_url", "api_key_env": the name of the environment variable that
        holds its key (keys are never stored or sent to browsers), "context_window" (tokens),
        "images" (bool), "input_price" / "output_price" (per million tokens), "temperature",
        "max_tokens"}. The offline demo model ('demo') and the OPENAI_API_KEY configuration
        ('env') are always offered too.""",
    ).tag(config=True)

    @validate("model_catalog")
    def _valid_model_catalog(self, proposal: Bunch) -> dict[str, Any]:
        from .agent.catalog import parse_catalog  # (no LangChain: cheap)

        try:
            parse_catalog(proposal.value)
        except ValueError as exc:
            raise TraitError(f"MCPChatExtension.model_catalog: {exc}") from None
        return dict(proposal.value)

    model_catalog_file = Unicode(
        help="JSON file with a model catalog (same format as model_catalog), merged into it. "
        "Default: $MCPCHAT_MODEL_CATALOG_FILE.",
    ).tag(config=True)

    @default("model_catalog_file")
    def _default_model_catalog_file(self) -> str:
        return os.environ.get("MCPCHAT_MODEL_CATALOG_FILE", "")

    default_model = Unicode(
        help="The id of the model new chats use ('demo', 'env' or a model_catalog id). Default: "
        "$MCPCHAT_DEFAULT_MODEL, else the catalog's 'default', else the OPENAI_API_KEY model, "
        "else the first catalog entry, else the offline demo model.",
    ).tag(config=True)

    @default("default_model")
    def _default_default_model(self) -> str:
        return os.environ.get("MCPCHAT_DEFAULT_MODEL", "")

    def _models(self) -> tuple[list[Any], str | None]:
        from .agent.catalog import load_catalog_file, parse_catalog

        entries, default = parse_catalog(self.model_catalog)
        if self.model_catalog_file:
            more, file_default = load_catalog_file(self.model_catalog_file)
            ids = {e.id for e in more}
            entries = [e for e in entries if e.id not in ids] + more
            default = default or file_default
        return entries, self.default_model or default

    demo_model = Bool(
        _DEFAULTS.demo_model, help="Use the offline demo model even when an API key is set."
    ).tag(config=True)
    tool_timeout = Float(
        _DEFAULTS.tool_timeout,
        help="Seconds an MCP tool call may run before it is cancelled (the server is told). > 0.",
    ).tag(config=True)
    connect_timeout = Float(
        _DEFAULTS.connect_timeout, help="Seconds an MCP server may take to start and initialise. > 0."
    ).tag(config=True)
    max_output_chars = Int(
        _DEFAULTS.max_output_chars,
        help="Tool output longer than this many characters is cut, with a visible truncation marker. >= 1.",
    ).tag(config=True)
    server_request_timeout = Float(
        _DEFAULTS.server_request_timeout,
        help="""Seconds an MCP server's request to the user waits for an answer: an elicitation
        (a form or a URL to open) or a sampling request (a model completion), each shown as a card
        in the chat whose tool call made it. No answer in time: the elicitation is cancelled, the
        sampling request refused, with a note on the card. The time the user takes does not count
        against ``tool_timeout``. > 0.""",
    ).tag(config=True)
    sampling_max_tokens = Int(
        _DEFAULTS.sampling_max_tokens,
        help="""The most tokens an MCP server's sampling request may have the chat's model write;
        a larger ask is capped (its card shows both numbers). >= 1.""",
    ).tag(config=True)
    max_tool_rounds = Int(
        _DEFAULTS.max_tool_rounds,
        help="Model -> tools rounds per user message before the model must answer. >= 1.",
    ).tag(config=True)
    max_context_tokens = Int(
        _DEFAULTS.max_context_tokens,
        help="Estimated tokens (characters / 4) of chat history sent to the model: the newest whole "
        "turns that fit, the rest stays in the chat but is left out of the model input. Leave room "
        "for the reply and tool schemas within the model's context window. 0 sends everything.",
    ).tag(config=True)
    model_accepts_images = Bool(
        _DEFAULTS.model_accepts_images,
        help="The model reads images (it is multimodal): the images an MCP tool returns are passed "
        "to it as image content, after the tool results of the round. False (default): the model "
        "reads a text placeholder for each image; the user sees the images either way.",
    ).tag(config=True)
    auto_approve = List(
        Unicode(),
        default_value=[],
        help="Tool calls that run without asking: 'server' (all its tools) or 'server:tool'. "
        "Empty (default): every call waits for the user's approval.",
    ).tag(config=True)
    approval_rules = List(
        Dict(),
        default_value=[],
        help="""Administrator approval rules, checked before every user's own rules; the first
        that matches a call decides. Each is {"server": pattern, "tool": pattern (default "*"),
        "action": "allow" | "ask" | "deny"} with glob patterns (*, ?, [...]) over the server's
        name and the server's own tool name. allow: runs without a card; ask: always a card
        (a user's allow rule is ignored); deny: never runs, the model is told it is blocked.
        Example: [{"server": "*", "tool": "delete_*", "action": "deny"}].""",
    ).tag(config=True)

    @validate("approval_rules")
    def _valid_rules(self, proposal: Bunch) -> list[dict[str, str]]:
        from .users.admin_rules import parse_admin_rules  # (no pydantic: cheap)

        try:
            parse_admin_rules(proposal.value)
        except ValueError as exc:
            raise TraitError(f"MCPChatExtension.{exc}") from None
        return list(proposal.value)

    server_catalog = Dict(
        default_value={},
        help="Administrator-defined MCP servers offered to every user, in Claude Desktop format: "
        '{"mcpServers": {"name": {"command": ..., "args": [...]}}} or just the inner mapping.',
    ).tag(config=True)
    server_catalog_file = Unicode(
        help="JSON file with an MCP server catalog (same format as server_catalog), merged into it. "
        "Default: $MCPCHAT_SERVER_CATALOG_FILE.",
    ).tag(config=True)

    @default("server_catalog_file")
    def _default_catalog_file(self) -> str:
        return os.environ.get("MCPCHAT_SERVER_CATALOG_FILE", "")

    include_demo_server = Bool(
        _DEFAULTS.include_demo_server,
        help="Offer the bundled offline demo MCP server ('demo') to every user.",
    ).tag(config=True)
    idle_timeout = Float(
        _DEFAULTS.idle_timeout,
        help="Seconds after which an idle user's workspace is closed and its MCP servers stopped "
        "(0 disables). >= 0.",
    ).tag(config=True)
    system_prompt = Unicode("", help="Extra system prompt for the agent.").tag(config=True)
    token_coalesce_ms = Float(
        DEFAULT_WINDOW_MS,
        help="Tokens of one reply that arrive within this many milliseconds of the last token frame "
        "are sent to the browser as one frame (the first token is never delayed). 0 sends one frame "
        "per token. 0-1000.",
    ).tag(config=True)

    allow_visitor_stdio_servers = Bool(
        _DEFAULTS.allow_visitor_stdio_servers,
        help="""Let visitors of a shared Jupyter server add, change and start stdio MCP servers.

        On JupyterHub a server's owner can share it with other users. Each visitor's chats and
        MCP servers are their own, but a stdio server runs its command on this server as its
        owner. By default (False) only the owner may add, change or start stdio servers of their
        own; visitors may use HTTP/SSE servers and the server catalog. Sharing a server also lets
        a visitor start kernels (run any code as the owner): this only narrows the chat's own
        surface.""",
    ).tag(config=True)
    jupyter_tools = Bool(
        _DEFAULTS.jupyter_tools,
        help="""Offer the built-in 'jupyter' tools to every user: list and read files, read and
        edit notebooks (cells and outputs), run code in notebooks' kernels, list and inspect
        kernel variables. They run inside this Jupyter server (no port, no process) as the
        visiting user, through this server's contents and kernel managers, and every call is
        checked with this server's authorizer (on JupyterHub: the visitor's scopes) and waits
        for the user's approval like any MCP tool. False switches them off for everyone.""",
    ).tag(config=True)
    model_stream_process = Bool(
        _DEFAULTS.model_stream_process,
        help="""Read the model reply streams (OpenAI-compatible endpoints) in a process of their
        own, started with the server: it sends the requests with the openai SDK and hands the
        parsed chunks back over a pipe, so that 100 streaming chats leave this server's event loop
        and GIL to the users' requests. It is given each request's key over that pipe, never on
        its command line. A model with a proxy or HTTP client of its own, and a worker that fails
        to start, stream in this process instead. False: always in this process.""",
    ).tag(config=True)
    crypt_key = Unicode(
        help="""Fernet key(s) that encrypt the credentials of stored MCP servers (env and header
        values, URLs with credentials, secret arguments) in app.db. Default: $MCPCHAT_CRYPT_KEY
        (prefer the environment variable to a config file). Several keys separated by ';': the
        first encrypts, all decrypt (key rotation). Needs the 'cryptography' package. Once set,
        the stored credentials can only be read with the key. Empty: stored in plain text.""",
    ).tag(config=True)

    @default("crypt_key")
    def _default_crypt_key(self) -> str:
        return os.environ.get("MCPCHAT_CRYPT_KEY", "")

    @validate("crypt_key")
    def _valid_crypt_key(self, proposal: Bunch) -> str:
        value = str(proposal.value)
        if value.strip():
            from .store.crypt import Cipher

            try:
                Cipher(value)
            except ValueError as exc:
                raise TraitError(f"MCPChatExtension.crypt_key: {exc}") from None
        return value

    @validate("tool_timeout", "connect_timeout", "server_request_timeout")
    def _positive_seconds(self, proposal: Bunch) -> float:
        return float(_checked(proposal, lambda v: v > 0, "a number of seconds > 0"))

    @validate("idle_timeout")
    def _idle_seconds(self, proposal: Bunch) -> float:
        return float(_checked(proposal, lambda v: v >= 0, "a number of seconds >= 0 (0: never)"))

    @validate("max_output_chars", "max_tool_rounds", "sampling_max_tokens")
    def _at_least_one(self, proposal: Bunch) -> int:
        return int(_checked(proposal, lambda v: v >= 1, "an integer >= 1"))

    @validate("max_context_tokens")
    def _token_budget(self, proposal: Bunch) -> int:
        return int(_checked(proposal, lambda v: v >= 0, "an integer >= 0 (0: send everything)"))

    @validate("token_coalesce_ms")
    def _coalesce_window(self, proposal: Bunch) -> float:
        return float(_checked(proposal, lambda v: 0 <= v <= 1000, "milliseconds from 0 to 1000"))

    def engine_config(self) -> EngineConfig:
        catalog: dict[str, Any] = dict(self.server_catalog.get("mcpServers", self.server_catalog))
        if self.server_catalog_file:
            doc = json.loads(Path(self.server_catalog_file).read_text())
            catalog.update(doc.get("mcpServers", doc))
        specs = []
        if catalog:  # (pydantic is only imported when there is something to validate)
            from .mcp_servers.specs import parse_claude_config, validate_spec

            specs = [validate_spec(s) for s in parse_claude_config({"mcpServers": catalog})]
        model_catalog, default_model = self._models()
        return EngineConfig(
            data_dir=Path(self.data_dir),
            model_catalog=model_catalog,
            default_model=default_model,
            db_url=self.db_url or None,
            openai_api_key=self.openai_api_key or None,
            openai_base_url=self.openai_base_url or None,
            model_name=self.model_name,
            demo_model=self.demo_model,
            tool_timeout=self.tool_timeout,
            connect_timeout=self.connect_timeout,
            max_output_chars=self.max_output_chars,
            server_request_timeout=self.server_request_timeout,
            sampling_max_tokens=self.sampling_max_tokens,
            max_tool_rounds=self.max_tool_rounds,
            max_context_tokens=self.max_context_tokens,
            model_accepts_images=self.model_accepts_images,
            roots_dir=getattr(self.serverapp, "root_dir", None) if self.serverapp else None,
            auto_approve=list(self.auto_approve),
            approval_rules=[dict(r) for r in self.approval_rules],
            server_catalog=specs,
            include_demo_server=self.include_demo_server,
            system_prompt=self.system_prompt or None,
            idle_timeout=self.idle_timeout,
            allow_visitor_stdio_servers=self.allow_visitor_stdio_servers,
            crypt_key=self.crypt_key or None,
            jupyter_tools=self.jupyter_tools,
            model_stream_process=self.model_stream_process,
        )

    def initialize_settings(self) -> None:
        config = self.engine_config()
        jupyter = None
        if config.jupyter_tools:
            from .jupyter_tools import JupyterTools

            jupyter = JupyterTools.from_serverapp(self.serverapp, tool_timeout=config.tool_timeout)
        engine = Engine(config, jupyter)
        self.settings[ENGINE_KEY] = engine
        if self.mcp_endpoint and jupyter is not None:
            from .handlers.mcp_endpoint import ENDPOINT_KEY
            from .jupyter_tools.endpoint import PATH, JupyterEndpoint

            self.settings[ENDPOINT_KEY] = JupyterEndpoint(jupyter, self.exposed_tools())
            self.log.warning(
                "mcpchat_ext: MCP endpoint at %s%s exposes %s without approval cards",
                getattr(self.serverapp, "base_url", "/").rstrip("/"),
                PATH,
                ", ".join(sorted(self.exposed_tools())),
            )
        elif self.mcp_endpoint:
            self.log.warning("mcpchat_ext: mcp_endpoint needs jupyter_tools; the endpoint is off")
        self.settings["mcpchat_coalesce_window"] = self.token_coalesce_ms / 1000.0
        self.log.info("mcpchat_ext: data in %s", self.data_dir)

    def initialize_handlers(self) -> None:
        self.handlers.extend(route_table(mcp_endpoint=self.mcp_endpoint and self.jupyter_tools))

    async def _start_jupyter_server_extension(self, serverapp: Any) -> None:
        # Without a terminal (JupyterHub's spawners, systemd, nohup) jupyter_server leaves SIGINT
        # at Python's default: KeyboardInterrupt leaves the event loop without stopping the
        # extensions, and the engine's MCP server processes and SQLite threads then keep the
        # process alive. JupyterHub stops servers with SIGINT: make it a clean stop, like SIGTERM.
        if (
            threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            signal.signal(signal.SIGINT, serverapp._signal_stop)

    async def stop_extension(self) -> None:
        engine: Engine | None = self.settings.get(ENGINE_KEY)
        if engine is not None:
            await engine.aclose()
