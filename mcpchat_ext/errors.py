"""Exceptions the engine raises; each maps to one wire error code (see protocol.ErrorCode)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:  # pydantic stays off the extension's start-up path
    from .protocol import ErrorCode


class ChatExtError(Exception):
    """Base class: a failure that is reported to the client with ``code`` and ``str(self)``."""

    code: ClassVar[ErrorCode] = "internal"
    http_status: ClassVar[int] = 500


class NotFound(ChatExtError):
    """Unknown chat/server, or one that belongs to another user (indistinguishable on purpose)."""

    code = "not_found"
    http_status = 404


class BadRequest(ChatExtError):
    code = "bad_request"
    http_status = 400


class Conflict(ChatExtError):
    code = "conflict"
    http_status = 409


class ModelError(ChatExtError):
    """The model endpoint failed (unreachable, auth error, 5xx...)."""

    code = "model_error"
    http_status = 502


class MCPServerError(ChatExtError):
    """An MCP server could not be started, crashed, or a call failed."""

    code = "mcp_error"
    http_status = 502


class Forbidden(ChatExtError):
    """The visitor may not do this on a server they do not own (see allow_visitor_stdio_servers)."""

    code = "forbidden"
    http_status = 403


class StorageError(ChatExtError):
    """The data directory or a database cannot be used (disk full, read-only, locked, missing);
    the message names the path and the remedy."""

    code = "storage"
    http_status = 503


class InternalError(ChatExtError):
    """A bug: the client gets a short message with a reference, the details are in the log."""
