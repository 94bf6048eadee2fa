"""LangChain messages as the protocol's records (what history, frames and the UI show).

A tool call's server and tool come from the identity recorded on its message when the model
answered (:mod:`.calls`), never from looking its name up again.
"""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, SystemMessage, ToolMessage
from langgraph.types import StateSnapshot

from .. import protocol as p
from .calls import identity, original_args
from .streaming import message_text
from .usage import META, reply_usage, sampling_usage

# artifact flags of a tool result that history and frames carry in its metadata
_FLAGS = ("rejected", "cancelled", "stopped", "interrupted", "denied", "unknown", "invalid", "edited")


def call_record(call: dict[str, Any], message: AIMessage | None = None) -> p.ToolCall:
    """A tool call (of ``message``, whose recorded identity names its server and tool)."""
    cid = str(call["id"])
    ident = identity(message, cid) if message is not None else None
    if ident is None and call.get("server"):
        ident = (str(call["server"]), str(call.get("tool") or ""))
    return p.ToolCall(
        id=cid,
        name=str(call["name"]),
        server=ident[0] if ident else None,
        tool=ident[1] if ident else None,
        args=dict(call.get("args") or {}),
        original_args=original_args(message, cid) if message is not None else None,
    )


def to_chat_message(message: BaseMessage) -> p.ChatMessage:
    """The protocol record of a LangChain message."""
    mid = str(message.id or "")
    text = message_text(message)
    if isinstance(message, AIMessage):
        meta: dict[str, Any] = {}
        rmeta = message.response_metadata or {}
        if rmeta.get("demo") or (message.additional_kwargs or {}).get("demo"):
            meta["demo"] = True
        if rmeta.get("model_name"):
            meta["model"] = rmeta["model_name"]
        stamp = rmeta.get(META)
        if isinstance(stamp, dict) and stamp.get("model"):
            meta["model_id"] = str(stamp["model"])  # the catalog id of the model that answered
        if ((message.additional_kwargs or {}).get("mcpchat") or {}).get("stopped"):
            meta["stopped"] = True  # a reply the user stopped: the text that had streamed
        return p.ChatMessage(
            id=mid,
            role="assistant",
            content=text,
            tool_calls=[call_record(dict(c), message) for c in message.tool_calls],
            metadata=meta,
            usage=reply_usage(message),
        )
    if isinstance(message, ToolMessage):
        artifact = message.artifact if isinstance(message.artifact, dict) else {}
        meta = {"truncated": bool(artifact.get("truncated"))}
        meta.update({flag: True for flag in _FLAGS if artifact.get(flag)})
        if artifact.get("rule"):
            meta["rule"] = str(artifact["rule"])
        if isinstance(artifact.get("media"), list):
            meta["media"] = artifact["media"]  # images, audio, links (mcp_servers/media.py)
        return p.ChatMessage(
            id=mid,
            role="tool",
            content=text,
            tool_call_id=message.tool_call_id,
            name=message.name,
            status=message.status,
            metadata=meta,
            usage=sampling_usage(message),  # what its server's sampling requests spent
        )
    if isinstance(message, SystemMessage):
        return p.ChatMessage(id=mid, role="system", content=text)
    recorded = (message.additional_kwargs or {}).get("mcpchat") or {}
    meta = {k: v for k, v in recorded.items() if k != "images"}  # (the model's copy of attached images)
    return p.ChatMessage(id=mid, role="user", content=text, metadata=meta)


def messages_in(state: StateSnapshot) -> list[p.ChatMessage]:
    """The messages of a loaded state as protocol records (oldest first)."""
    messages: list[AnyMessage] = list((state.values or {}).get("messages") or [])
    return [to_chat_message(m) for m in messages]
