"""Answers to tool calls that do not run: rejected, blocked by a rule, unknown, malformed, or
cut short (cancelled by Stop, interrupted by a crash). Each is an error ToolMessage the model
reads, with an ``artifact`` flag the history and the UI show."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langchain_core.messages import ToolMessage

from .approval import rejection_text
from .toolset import Toolset

CANCELLED_TEXT = "Tool call cancelled by user."
INTERRUPTED_TEXT = (
    "Tool call interrupted: the chat server stopped while this call ran, so it may or may not "
    "have completed. Check its effects before calling it again."
)


def _answer(call: Mapping[str, Any], content: str, **artifact: Any) -> ToolMessage:
    return ToolMessage(
        content=content, tool_call_id=call["id"], name=call["name"], status="error", artifact=artifact or None
    )


def error_message(call: Mapping[str, Any], text: str, **artifact: Any) -> ToolMessage:
    return _answer(call, f"Error: {text}", **artifact)


def _available(toolset: Toolset) -> str:
    names = [e.name for e in toolset][:30]
    return ", ".join(names) if names else "none"


def refusal(step: Mapping[str, Any], toolset: Toolset) -> ToolMessage:
    """The answer to a call whose plan step does not run it."""
    call, action = step["call"], step["action"]
    if action == "reject":
        return _answer(call, rejection_text(step.get("reason")), rejected=True)
    if action == "deny":
        rule = step.get("rule") or "an approval rule"
        text = f"the tool {call['name']!r} is blocked ({rule}); do not call it again"
        return error_message(call, text, denied=True, rule=rule)
    if action == "invalid":
        return error_message(call, f"the arguments were not valid JSON ({step.get('reason')})", invalid=True)
    text = f"there is no tool named {call['name']!r} in this chat; available tools: {_available(toolset)}"
    return error_message(call, text, unknown=True)


def cut_short(call: Mapping[str, Any], *, cancelled: bool) -> ToolMessage:
    """The answer to a call that got no result: Stop (cancelled) or a crash (interrupted)."""
    if cancelled:
        return _answer(call, CANCELLED_TEXT, cancelled=True, stopped=True)
    return _answer(call, INTERRUPTED_TEXT, interrupted=True)
