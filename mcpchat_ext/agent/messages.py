"""LangChain messages as the protocol's records (what history, frames and the UI show)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, SystemMessage, ToolMessage

from .. import protocol as p
from .streaming import message_text

ToolInfoFn = Callable[[str], p.ToolInfo | None]


def no_info(_name: str) -> p.ToolInfo | None:
    return None


def tool_call_record(call: dict[str, Any], tool_info: ToolInfoFn) -> p.ToolCall:
    name = str(call["name"])
    info = tool_info(name)
    return p.ToolCall(
        id=str(call["id"]),
        name=name,
        server=info.server if info else None,
        tool=info.tool if info else None,
        args=dict(call.get("args") or {}),
    )


def to_chat_message(message: BaseMessage, tool_info: ToolInfoFn = no_info) -> p.ChatMessage:
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
        return p.ChatMessage(
            id=mid,
            role="assistant",
            content=text,
            tool_calls=[tool_call_record(dict(c), tool_info) for c in message.tool_calls],
            metadata=meta,
        )
    if isinstance(message, ToolMessage):
        artifact = message.artifact if isinstance(message.artifact, dict) else {}
        meta = {"truncated": bool(artifact.get("truncated"))}
        if artifact.get("rejected"):
            meta["rejected"] = True
        if artifact.get("cancelled"):
            meta["cancelled"] = True
        return p.ChatMessage(
            id=mid,
            role="tool",
            content=text,
            tool_call_id=message.tool_call_id,
            name=message.name,
            status=message.status,
            metadata=meta,
        )
    if isinstance(message, SystemMessage):
        return p.ChatMessage(id=mid, role="system", content=text)
    return p.ChatMessage(id=mid, role="user", content=text)


def messages_in(state: Any) -> list[p.ChatMessage]:
    """The messages of a loaded state (a LangGraph StateSnapshot) as protocol records."""
    messages: list[AnyMessage] = list((state.values or {}).get("messages") or [])
    return [to_chat_message(m) for m in messages]
