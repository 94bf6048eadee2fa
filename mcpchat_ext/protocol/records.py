"""Domain records: what appears inside frames and REST bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from .base import PROTOCOL_VERSION, _Model

# --------------------------------------------------------------------------
# Domain records (appear inside frames and REST bodies)
# --------------------------------------------------------------------------

Transport = Literal["stdio", "streamable_http", "sse"]


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


class ServerStatus(_Model):
    name: str
    state: ServerState
    error: str | None = None
    tools: list[ToolInfo] = Field(default_factory=list)
    spec: ServerSpec | None = None  # secrets (env/headers values) are masked
    source: Literal["user", "catalog"] = "user"


class ChatInfo(_Model):
    id: str
    title: str
    servers: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime
    pending_approval: bool = False


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


class ChatMessage(_Model):
    id: str
    role: Literal["user", "assistant", "tool", "system"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    name: str | None = None  # tool name for role == "tool"
    status: Literal["success", "error"] | None = None  # for role == "tool"
    metadata: dict[str, Any] = Field(default_factory=dict)  # e.g. {"demo": true, "model": "..."}


class HistoryPage(_Model):
    chat: ChatInfo
    messages: list[ChatMessage]
    total: int
    offset: int  # index of messages[0] in the whole history
    pending: list[PendingCall] = Field(default_factory=list)
    # the last reply was cut short (the server stopped mid-reply): the UI offers Retry
    interrupted: bool = False


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
    """An approval rule for a server's tool (``*``: every tool of the server)."""

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


class Settings(_Model):
    model: ModelInfo
    protocol: int = PROTOCOL_VERSION
    tool_timeout: float
    max_output_chars: int
    user: str
