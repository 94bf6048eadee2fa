"""Domain records: what appears inside frames and REST bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from .base import PROTOCOL_VERSION, _Model
from .mcp_records import ToolAnnotations
from .server_request_frames import ElicitationRequestFrame, SamplingRequestFrame
from .usage import ChatUsage, Usage

# --------------------------------------------------------------------------
# Domain records (appear inside frames and REST bodies)
# --------------------------------------------------------------------------

# builtin: a server that runs inside the Jupyter server (``jupyter``); only the administrator's
# side offers those, users cannot add one
Transport = Literal["stdio", "streamable_http", "sse", "builtin"]


class ServerSpec(_Model):
    """A user's MCP server configuration."""

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
    transport: Transport = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    enabled: bool = True
    description: str = ""


ServerState = Literal["disconnected", "connecting", "ready", "error"]


class ToolInfo(_Model):
    name: str  # prefixed name the model sees, e.g. "time_get_current_time"
    server: str
    tool: str  # the server's own tool name
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    title: str | None = None  # the server's human-readable name of the tool
    annotations: ToolAnnotations | None = None  # the server's hints (claims, see mcp_records)


class ServerStatus(_Model):
    name: str
    state: ServerState
    error: str | None = None
    tools: list[ToolInfo] = Field(default_factory=list)
    spec: ServerSpec | None = None  # secrets (env/headers values) are masked
    source: Literal["user", "catalog"] = "user"
    # the server's instructions (its own words; added to the system prompt of chats using it)
    instructions: str | None = None
    notes: list[str] = Field(default_factory=list)  # e.g. tools hidden from the model, and why
    roots: list[str] = Field(default_factory=list)  # directories offered as the client's roots
    offerings: int = 0  # +1 whenever its resource or prompt list changed (clients list them again)


class ChatInfo(_Model):
    id: str
    title: str
    servers: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    pending_approval: bool = False
    model: str | None = None  # the catalog id of the chat's model (None: the default)
    # set when the chat's model is no longer offered and replies fall back to the default
    model_note: str | None = None


class ToolCall(_Model):
    id: str  # unique within the chat
    name: str  # the name the model used (unique within the chat, see agent/toolset.py)
    server: str | None = None  # identity: server and its own tool name (None: no such tool)
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)  # the arguments that run (or ran)
    original_args: dict[str, Any] | None = None  # the model's own, when the user edited them


class PendingCall(ToolCall):
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    title: str | None = None
    annotations: ToolAnnotations | None = None  # the server's claims: shown, never trusted


class ChatMessage(_Model):
    id: str
    role: Literal["user", "assistant", "tool", "system"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None  # tool name for role == "tool"
    status: Literal["success", "error"] | None = None  # for role == "tool"
    metadata: dict[str, Any] = Field(default_factory=dict)  # e.g. {"demo": true, "model": "..."}
    # assistant: the reply's, when the endpoint reported it; tool: what the server's sampling
    # requests during the call spent on the chat's model
    usage: Usage | None = None


class TurnOutcome(_Model):
    """How the chat's last turn ended when it did not end with a reply (recorded by the server,
    so that a reload shows it): ``stopped`` by the user (what had streamed is kept as the partial
    reply), ``failed`` (``message``: the error the user was shown), or ``interrupted`` (the chat
    server restarted or crashed mid-turn)."""

    kind: Literal["stopped", "failed", "interrupted"]
    code: str | None = None  # failed: the error frame's code
    message: str = ""  # failed: the error text the user was shown (no secrets, no stack trace)
    after: str | None = None  # the id of the chat's last message when the turn ended


class HistoryPage(_Model):
    chat: ChatInfo
    messages: list[ChatMessage]
    total: int
    offset: int  # index of messages[0] in the whole history
    pending: list[PendingCall] = Field(default_factory=list)
    # the last reply was cut short (the server stopped mid-reply): the UI offers Retry
    interrupted: bool = False
    # how the last turn ended when it did not end with a reply (None: it did, or none ran)
    outcome: TurnOutcome | None = None
    usage: ChatUsage | None = None  # the whole chat's (not just this page's)
    # the MCP servers' requests that wait for the user now (each view of the chat shows them;
    # ``timeout``: the seconds each still waits)
    server_requests: list[
        Annotated[ElicitationRequestFrame | SamplingRequestFrame, Field(discriminator="type")]
    ] = Field(default_factory=list)


class Decision(_Model):
    call_id: str
    action: Literal["approve", "edit", "reject"]
    args: dict[str, Any] | None = None  # required for "edit"
    reason: str | None = None  # for "reject"
    rule: str | None = None  # set by the server when an approval rule decided (auto)
    # also make a rule of it: approve -> allow, reject -> deny ("block"), in this chat or always
    remember: Literal["chat", "always"] | None = None


RuleAction = Literal["allow", "ask", "deny"]


class NewRule(_Model):
    """An approval rule for a server's tool (``*``: every tool of the server; ``@read-only``:
    every tool the server claims to be read-only, see :data:`READ_ONLY_TOOLS`)."""

    server: str = Field(min_length=1, max_length=64)
    tool: str = Field(default="*", min_length=1, max_length=255)
    action: RuleAction
    chat_id: str | None = None  # None: in every chat


class ApprovalRule(NewRule):
    id: str
    source: Literal["user", "admin"] = "user"  # an administrator's rule overrides the user's
    created_at: datetime | None = None


class ModelInfo(_Model):
    name: str
    base_url: str | None = None
    demo: bool  # True: the offline demo model, not a real LLM
    label: str  # human readable, e.g. "Offline demo model (no API key set)"
    id: str = ""  # the catalog id a chat picks ("demo", "env" or the administrator's own)
    provider: str = "openai"  # openai (any OpenAI-compatible endpoint) | anthropic | demo
    context_window: int | None = None  # tokens (None: not configured)
    images: bool = False  # accepts images
    input_price: float | None = None  # per million input tokens
    output_price: float | None = None  # per million output tokens


class Settings(_Model):
    model: ModelInfo  # the default model (new chats)
    models: list[ModelInfo] = Field(default_factory=list)  # every model a chat may pick
    protocol: int = PROTOCOL_VERSION
    tool_timeout: float
    max_output_chars: int
    user: str
