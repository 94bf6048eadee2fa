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

from .attachments import Attachment, AttachmentKind
from .base import (
    PROTOCOL_VERSION,
    dump,
    jsonable,
)
from .bodies import (
    CreateChat,
    ImportServers,
    SendMessage,
    SubmitDecisions,
    UpdateChat,
)
from .branches import (
    Branches,
    BranchPoint,
    BranchSwitchedFrame,
    EditParams,
    RetryParams,
    SwitchParams,
)
from .export import ChatExport, ExportFormat
from .frames import (
    RPC_METHODS,
    AiMessageFrame,
    ApprovalDecidedFrame,
    ApprovalRequiredFrame,
    CallFrame,
    ChatsChangedFrame,
    ClientFrame,
    DecideFrame,
    DoneFrame,
    ErrorCode,
    ErrorFrame,
    PingFrame,
    PongFrame,
    ResultFrame,
    RpcMethod,
    SendFrame,
    ServerFrame,
    ServersChangedFrame,
    StopFrame,
    StoppedFrame,
    TokenFrame,
    ToolResultFrame,
    ToolStartedFrame,
    TurnEvent,
    TurnStartedFrame,
    WelcomeFrame,
    client_frame_adapter,
    server_frame_adapter,
)
from .mcp_frames import CancelCallFrame, ResourceUpdatedFrame, ToolProgressFrame
from .mcp_records import (
    READ_ONLY_TOOLS,
    PromptArgument,
    PromptInfo,
    PromptMessage,
    ResourceContent,
    ResourceInfo,
    ResourceList,
    ServerLogEntry,
    ToolAnnotations,
    ToolMedia,
)
from .notebook_frames import NotebookAnswer, NotebookChangedFrame, NotebookRequestFrame
from .records import (
    ApprovalRule,
    ChatInfo,
    ChatMessage,
    Decision,
    HistoryPage,
    ModelInfo,
    NewRule,
    PendingCall,
    RuleAction,
    ServerSpec,
    ServerState,
    ServerStatus,
    Settings,
    ToolCall,
    ToolInfo,
    Transport,
    TurnOutcome,
)
from .server_request_frames import (
    ElicitationAnswerFrame,
    ElicitationRequestFrame,
    SamplingAnswerFrame,
    SamplingRequestFrame,
    SamplingText,
    ServerRequestState,
    ServerRequestStatusFrame,
)
from .usage import ChatUsage, Usage

__all__ = [
    "PROTOCOL_VERSION",
    "READ_ONLY_TOOLS",
    "RPC_METHODS",
    "AiMessageFrame",
    "ApprovalDecidedFrame",
    "ApprovalRequiredFrame",
    "ApprovalRule",
    "Attachment",
    "AttachmentKind",
    "BranchPoint",
    "BranchSwitchedFrame",
    "Branches",
    "CallFrame",
    "CancelCallFrame",
    "ChatExport",
    "ChatInfo",
    "ChatMessage",
    "ChatUsage",
    "ChatsChangedFrame",
    "ClientFrame",
    "CreateChat",
    "DecideFrame",
    "Decision",
    "DoneFrame",
    "EditParams",
    "ElicitationAnswerFrame",
    "ElicitationRequestFrame",
    "ErrorCode",
    "ErrorFrame",
    "ExportFormat",
    "HistoryPage",
    "ImportServers",
    "ModelInfo",
    "NewRule",
    "NotebookAnswer",
    "NotebookChangedFrame",
    "NotebookRequestFrame",
    "PendingCall",
    "PingFrame",
    "PongFrame",
    "PromptArgument",
    "PromptInfo",
    "PromptMessage",
    "ResourceContent",
    "ResourceInfo",
    "ResourceList",
    "ResourceUpdatedFrame",
    "ResultFrame",
    "RetryParams",
    "RpcMethod",
    "RuleAction",
    "SamplingAnswerFrame",
    "SamplingRequestFrame",
    "SamplingText",
    "SendFrame",
    "SendMessage",
    "ServerFrame",
    "ServerLogEntry",
    "ServerRequestState",
    "ServerRequestStatusFrame",
    "ServerSpec",
    "ServerState",
    "ServerStatus",
    "ServersChangedFrame",
    "Settings",
    "StopFrame",
    "StoppedFrame",
    "SubmitDecisions",
    "SwitchParams",
    "TokenFrame",
    "ToolAnnotations",
    "ToolCall",
    "ToolInfo",
    "ToolMedia",
    "ToolProgressFrame",
    "ToolResultFrame",
    "ToolStartedFrame",
    "Transport",
    "TurnEvent",
    "TurnOutcome",
    "TurnStartedFrame",
    "UpdateChat",
    "Usage",
    "WelcomeFrame",
    "client_frame_adapter",
    "dump",
    "jsonable",
    "server_frame_adapter",
]
