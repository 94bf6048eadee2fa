"""Frames of MCP beyond plain tools: live progress of a running call, and cancelling one call."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import _Model


class ToolProgressFrame(_Model):
    """A running call's progress, as its MCP server reports it (``total`` None: unknown)."""

    type: Literal["tool_progress"] = "tool_progress"
    chat_id: str
    call_id: str
    progress: float
    total: float | None = None
    message: str | None = None  # the server's words: text, at most 300 characters


class CancelCallFrame(_Model):
    """Cancel one running tool call of a chat (its card's Cancel); the turn goes on and the model
    reads that the user cancelled the call. Answered by an ``error`` frame when it is not running."""

    type: Literal["cancel_call"] = "cancel_call"
    chat_id: str
    call_id: str = Field(min_length=1, max_length=200)


class ResourceUpdatedFrame(_Model):
    """A resource attached in a chat changed on its server (``notifications/resources/updated``);
    the chat's next message reads it again and tells the model it changed."""

    type: Literal["resource_updated"] = "resource_updated"
    chat_id: str
    server: str
    uri: str
