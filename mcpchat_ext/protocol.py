"""The wire contract of mcpchat-ext, version 1.

Every frame that crosses the websocket (JupyterLab panel) or the anywidget comm
(notebook widget) is one of the pydantic models below, serialised as a JSON
object whose ``type`` field names the frame. The same models describe REST
bodies. Nothing else in the package defines wire shapes.

Client -> server frames (:data:`ClientFrame`):

``call``    request/response RPC for everything that is not a chat turn
            (chats, MCP servers, settings); answered by ``result`` or ``error``
            with the same ``id``. Methods: see :data:`RPC_METHODS`.
``send``    start a turn: a user message in a chat.
``decide``  approve / edit / reject every pending tool call of a turn at once.
``stop``    cancel the running turn of a chat (model stream and tool calls).
``ping``    keep-alive; answered by ``pong``.

Server -> client frames (:data:`ServerFrame`): ``welcome`` once per connection,
``result``/``error`` for calls, and the turn events ``turn_started``, ``token``,
``ai_message``, ``approval_required``, ``approval_decided``, ``tool_started``,
``tool_result``, ``done``, ``stopped``, and ``error`` (with ``chat_id``).

A malformed or unknown frame is answered by an ``error`` frame with code
``bad_frame``; the connection stays open.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

PROTOCOL_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


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
    id: str
    name: str  # prefixed tool name
    server: str | None = None
    tool: str | None = None
    args: dict[str, Any] = Field(default_factory=dict)


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


class Decision(_Model):
    call_id: str
    action: Literal["approve", "edit", "reject"]
    args: dict[str, Any] | None = None  # required for "edit"
    reason: str | None = None  # for "reject"


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


# --------------------------------------------------------------------------
# REST request bodies
# --------------------------------------------------------------------------


class CreateChat(_Model):
    title: str | None = Field(default=None, max_length=200)
    servers: list[str] | None = None  # None: all enabled servers


class UpdateChat(_Model):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    servers: list[str] | None = None


class ImportServers(_Model):
    """Claude-Desktop style ``{"mcpServers": {...}}`` document."""

    mcpServers: dict[str, dict[str, Any]]
    replace: bool = False


class SendMessage(_Model):
    """POST /chats/{id}/messages."""

    text: str = Field(min_length=1, max_length=100_000)


class SubmitDecisions(_Model):
    """POST /chats/{id}/decisions: one decision for every pending tool call."""

    decisions: list[Decision] = Field(min_length=1)


# --------------------------------------------------------------------------
# Client -> server frames
# --------------------------------------------------------------------------

RpcMethod = Literal[
    "chats.list",  # {} -> list[ChatInfo]
    "chats.create",  # CreateChat -> ChatInfo
    "chats.update",  # {"chat_id", **UpdateChat} -> ChatInfo
    "chats.delete",  # {"chat_id"} -> {"deleted": chat_id}
    "chats.history",  # {"chat_id", "offset"?, "limit"?} -> HistoryPage
    "servers.list",  # {} -> list[ServerStatus]
    "servers.add",  # ServerSpec -> ServerStatus
    "servers.update",  # {"name", "spec": ServerSpec} -> ServerStatus
    "servers.remove",  # {"name"} -> {"removed": name}
    "servers.connect",  # {"name"} -> ServerStatus  (connects / reconnects now)
    "servers.import",  # ImportServers -> list[ServerStatus]
    "settings.get",  # {} -> Settings
]
RPC_METHODS: tuple[str, ...] = RpcMethod.__args__  # type: ignore[attr-defined]


class CallFrame(_Model):
    type: Literal["call"] = "call"
    id: str = Field(min_length=1, max_length=100)
    method: RpcMethod
    params: dict[str, Any] = Field(default_factory=dict)


class SendFrame(_Model):
    type: Literal["send"] = "send"
    chat_id: str
    text: str = Field(min_length=1, max_length=100_000)


class DecideFrame(_Model):
    type: Literal["decide"] = "decide"
    chat_id: str
    decisions: list[Decision] = Field(min_length=1)


class StopFrame(_Model):
    type: Literal["stop"] = "stop"
    chat_id: str


class PingFrame(_Model):
    type: Literal["ping"] = "ping"


ClientFrame = Annotated[
    CallFrame | SendFrame | DecideFrame | StopFrame | PingFrame,
    Field(discriminator="type"),
]
client_frame_adapter: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)

# --------------------------------------------------------------------------
# Server -> client frames
# --------------------------------------------------------------------------

ErrorCode = Literal[
    "bad_frame",  # unparseable / unknown / invalid frame
    "not_found",  # unknown chat id, server name (also: another user's chat)
    "bad_request",  # well-formed but invalid params (e.g. bad MCP config)
    "conflict",  # e.g. a turn already running, approval pending, name taken
    "model_error",  # the model endpoint failed (down, 4xx/5xx)
    "mcp_error",  # an MCP server failed
    "internal",  # a bug; details in the server log
    "storage",  # the data directory or a database cannot be used (full, read-only, locked)
    "forbidden",  # not allowed for this visitor (e.g. stdio servers on a shared server)
]


class WelcomeFrame(_Model):
    type: Literal["welcome"] = "welcome"
    protocol: int = PROTOCOL_VERSION
    user: str
    model: ModelInfo


class PongFrame(_Model):
    type: Literal["pong"] = "pong"


class ResultFrame(_Model):
    type: Literal["result"] = "result"
    id: str
    result: Any


class ErrorFrame(_Model):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    id: str | None = None  # the call frame's id, when answering a call
    chat_id: str | None = None  # the chat, when a turn failed


class TurnStartedFrame(_Model):
    type: Literal["turn_started"] = "turn_started"
    chat_id: str
    user_message: ChatMessage | None = None  # None when resuming after decisions


class TokenFrame(_Model):
    type: Literal["token"] = "token"
    chat_id: str
    message_id: str
    text: str


class AiMessageFrame(_Model):
    """A complete assistant message (after its tokens were streamed)."""

    type: Literal["ai_message"] = "ai_message"
    chat_id: str
    message: ChatMessage


class ApprovalRequiredFrame(_Model):
    type: Literal["approval_required"] = "approval_required"
    chat_id: str
    calls: list[PendingCall]


class ApprovalDecidedFrame(_Model):
    type: Literal["approval_decided"] = "approval_decided"
    chat_id: str
    decisions: list[Decision]
    auto: bool = False  # True when the auto-approve policy decided
    calls: list[ToolCall] = Field(default_factory=list)  # the decided calls, same order


class ToolStartedFrame(_Model):
    type: Literal["tool_started"] = "tool_started"
    chat_id: str
    call: ToolCall


class ToolResultFrame(_Model):
    type: Literal["tool_result"] = "tool_result"
    chat_id: str
    message: ChatMessage  # role == "tool"
    truncated: bool = False


class DoneFrame(_Model):
    type: Literal["done"] = "done"
    chat_id: str
    message: ChatMessage | None = None  # the final assistant reply


class StoppedFrame(_Model):
    type: Literal["stopped"] = "stopped"
    chat_id: str


class ChatsChangedFrame(_Model):
    """Sent after a chat is created/renamed/deleted or a title is set automatically."""

    type: Literal["chats_changed"] = "chats_changed"
    chats: list[ChatInfo]


class ServersChangedFrame(_Model):
    type: Literal["servers_changed"] = "servers_changed"
    servers: list[ServerStatus]


TurnEvent = (
    TurnStartedFrame
    | TokenFrame
    | AiMessageFrame
    | ApprovalRequiredFrame
    | ApprovalDecidedFrame
    | ToolStartedFrame
    | ToolResultFrame
    | DoneFrame
    | StoppedFrame
    | ErrorFrame
)

ServerFrame = Annotated[
    WelcomeFrame | PongFrame | ResultFrame | ChatsChangedFrame | ServersChangedFrame | TurnEvent,
    Field(discriminator="type"),
]
server_frame_adapter: TypeAdapter[ServerFrame] = TypeAdapter(ServerFrame)


def dump(frame: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a frame or record."""
    return frame.model_dump(mode="json")


def jsonable(value: Any) -> Any:
    """JSON-ready form of a record, a list of records, or plain JSON data."""
    if isinstance(value, BaseModel):
        return dump(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
