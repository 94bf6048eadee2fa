"""REST request bodies."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .attachments import Attachments
from .base import _Model
from .records import Decision

# --------------------------------------------------------------------------
# REST request bodies
# --------------------------------------------------------------------------


class CreateChat(_Model):
    title: str | None = Field(default=None, max_length=200)
    servers: list[str] | None = None  # None: all enabled servers
    model: str | None = Field(default=None, max_length=64)  # a catalog id (None: the default)


class UpdateChat(_Model):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    servers: list[str] | None = None
    model: str | None = Field(default=None, min_length=1, max_length=64)  # a catalog id


class ImportServers(_Model):
    """Claude-Desktop style ``{"mcpServers": {...}}`` document."""

    mcpServers: dict[str, dict[str, Any]]
    replace: bool = False


class SendMessage(_Model):
    """POST /chats/{id}/messages."""

    text: str = Field(min_length=1, max_length=100_000)
    attachments: Attachments = Field(default_factory=list)


class SubmitDecisions(_Model):
    """POST /chats/{id}/decisions: one decision for every pending tool call."""

    decisions: list[Decision] = Field(min_length=1)
