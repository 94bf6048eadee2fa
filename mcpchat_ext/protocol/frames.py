"""Websocket / comm frames: client -> server and server -> client."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from .attachments import Attachments
from .base import PROTOCOL_VERSION, _Model
from .branches import BranchSwitchedFrame
from .mcp_frames import CancelCallFrame, ResourceUpdatedFrame, ToolProgressFrame
from .notebook_frames import NotebookChangedFrame, NotebookRequestFrame
from .records import ChatInfo, ChatMessage, Decision, ModelInfo, PendingCall, ServerStatus, ToolCall
from .server_request_frames import (
    ElicitationAnswerFrame,
    ElicitationRequestFrame,
    SamplingAnswerFrame,
    SamplingRequestFrame,
    ServerRequestStatusFrame,
)

# --------------------------------------------------------------------------
# Client -> server frames
# --------------------------------------------------------------------------

RpcMethod = Literal[
    "chats.list",  # {} -> list[ChatInfo]
    "chats.create",  # CreateChat -> ChatInfo
    "chats.update",  # {"chat_id", **UpdateChat} -> ChatInfo
    "chats.delete",  # {"chat_id"} -> {"deleted": chat_id}
    "chats.history",  # {"chat_id", "offset"?, "limit"?} -> HistoryPage
    "chats.export",  # {"chat_id", "format": "ipynb" | "md" | "audit"} -> ChatExport
    "servers.list",  # {} -> list[ServerStatus]
    "servers.add",  # ServerSpec -> ServerStatus
    "servers.update",  # {"name", "spec": ServerSpec} -> ServerStatus
    "servers.remove",  # {"name"} -> {"removed": name}
    "servers.connect",  # {"name"} -> ServerStatus  (connects / reconnects now)
    "servers.import",  # ImportServers -> list[ServerStatus]
    "settings.get",  # {} -> Settings
    "rules.list",  # {} -> list[ApprovalRule] (the administrator's first, then the user's)
    "rules.add",  # NewRule -> ApprovalRule
    "rules.remove",  # {"id"} -> {"removed": id}
    "chats.retry",  # RetryParams -> {"started": chat_id} (the turn's frames follow)
    "chats.edit_message",  # EditParams -> {"started": chat_id} (the turn's frames follow)
    "chats.branches",  # {"chat_id"} -> Branches
    "chats.switch_branch",  # SwitchParams -> Branches (then load chats.history again)
    "notebooks.answer",  # NotebookAnswer -> {"answered": bool}  (see notebook_frames.py)
    "servers.roots",  # {"name", "roots": [absolute paths]} -> ServerStatus (the roots it is offered)
    "servers.log",  # {"name"} -> list[ServerLogEntry] (the server's logging messages, newest last)
    "resources.list",  # {"server"} -> ResourceList (its resources and resource templates)
    "prompts.list",  # {"server"} -> list[PromptInfo]
    "prompts.get",  # {"server", "name", "arguments"?} -> list[PromptMessage]
    "resources.read",  # {"server", "uri"} -> list[ResourceContent] (e.g. a tool result's resource link)
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
    attachments: Attachments = Field(default_factory=list)


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
    CallFrame
    | SendFrame
    | DecideFrame
    | StopFrame
    | PingFrame
    | CancelCallFrame
    | ElicitationAnswerFrame
    | SamplingAnswerFrame,
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
    # a retry or an edit: the id of the user message this one is a new version of (the client
    # drops that message and everything after it before showing this one)
    replaces: str | None = None


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
    | ToolProgressFrame
    | ElicitationRequestFrame
    | SamplingRequestFrame
    | ServerRequestStatusFrame
    | ToolResultFrame
    | DoneFrame
    | StoppedFrame
    | ErrorFrame
)

ServerFrame = Annotated[
    WelcomeFrame
    | PongFrame
    | ResultFrame
    | ChatsChangedFrame
    | ServersChangedFrame
    | NotebookChangedFrame
    | ResourceUpdatedFrame
    | NotebookRequestFrame
    | BranchSwitchedFrame
    | TurnEvent,
    Field(discriminator="type"),
]
server_frame_adapter: TypeAdapter[ServerFrame] = TypeAdapter(ServerFrame)
