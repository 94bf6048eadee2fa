"""Records of MCP beyond plain tools: what a server says about its tools.

Everything here comes from an MCP server and is a claim, not a fact: a server may call a
destructive tool read-only. Claims are shown (badges, the tool's title) and may be used by a rule
the user made on purpose ("always allow read-only tools of this server"); they never skip an
approval card by themselves.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import _Model

# the ``tool`` of an approval rule that matches every tool its server claims to be read-only
READ_ONLY_TOOLS = "@read-only"


class ToolAnnotations(_Model):
    """MCP tool annotations (hints), as the server sent them; None: the server did not say."""

    title: str | None = Field(default=None, max_length=200)
    read_only: bool | None = None  # readOnlyHint: does not modify its environment
    destructive: bool | None = None  # destructiveHint: may delete or overwrite (if not read-only)
    idempotent: bool | None = None  # idempotentHint: calling again with the same arguments is harmless
    open_world: bool | None = None  # openWorldHint: talks to things outside (web, other systems)

    @property
    def claims_read_only(self) -> bool:
        """The server says read-only and does not also say destructive (contradicting hints
        count as not read-only)."""
        return self.read_only is True and self.destructive is not True


MediaKind = Literal["image", "audio", "resource_link", "resource"]


class ToolMedia(_Model):
    """Non-text content of a tool result, as the user sees it (``ChatMessage.metadata["media"]``).

    ``data`` (base64) is present only for content that may be shown or downloaded: raster images
    (png, jpeg, gif, webp) whose bytes match their type, audio, and embedded binary resources,
    each within the size limits; otherwise ``note`` says why it is left out. A resource link has
    only its ``uri`` (opened with ``resources.read`` on its ``server``)."""

    kind: MediaKind
    mime_type: str | None = Field(default=None, max_length=200)
    data: str | None = None
    size: int | None = None  # decoded bytes
    uri: str | None = Field(default=None, max_length=4096)
    name: str | None = Field(default=None, max_length=200)
    server: str | None = None
    note: str | None = None


class ResourceContent(_Model):
    """One part of a resource read with ``resources.read`` (its server's words: text to show as
    text, binary to download). ``text`` is cut at the chat's output limit (``truncated``); binary
    ``data`` (base64) over the media size limit is left out with a ``note``."""

    uri: str
    mime_type: str | None = None
    text: str | None = None
    data: str | None = None
    size: int | None = None
    truncated: bool = False
    note: str | None = None


class ServerLogEntry(_Model):
    """One logging message of an MCP server (``notifications/message``), as text."""

    seq: int  # increasing per server session
    level: str
    logger: str | None = None
    text: str


class ResourceInfo(_Model):
    """A resource (``uri``) or resource template (``uri_template``) a server lists."""

    uri: str | None = None
    uri_template: str | None = None
    name: str
    title: str | None = None
    description: str = ""
    mime_type: str | None = None


class ResourceList(_Model):
    resources: list[ResourceInfo] = Field(default_factory=list)
    templates: list[ResourceInfo] = Field(default_factory=list)


class PromptArgument(_Model):
    name: str
    description: str = ""
    required: bool = False


class PromptInfo(_Model):
    """A prompt a server offers (a slash command in the composer)."""

    name: str
    title: str | None = None
    description: str = ""
    arguments: list[PromptArgument] = Field(default_factory=list)


class PromptMessage(_Model):
    """One message of a filled prompt, as text (other content is named, not shown)."""

    role: Literal["user", "assistant"]
    text: str
