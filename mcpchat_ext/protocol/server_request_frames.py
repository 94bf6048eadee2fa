"""Frames of an MCP server's own requests during a tool call: elicitation and sampling.

A server may ask the user for input (``elicitation/create``: a form, or a URL to open) or ask
for a model completion (``sampling/createMessage``) while one of its tools runs. The request goes
to the clients of the user who approved the call, in the chat that made it, as a card; the
card's answer comes back as an answer frame. Everything in a request frame but the ids is the
server's text: the client shows it inert (text only).

Server -> client: ``elicitation_request``, ``sampling_request`` (its ``stage`` is ``request``,
the server's messages, then ``result``, the model's answer before it is returned), and
``server_request_status`` (the request was answered, expired, or its call ended; or an answer
was refused: ``invalid``, the card stays open with the note).

Client -> server: ``elicitation_answer`` and ``sampling_answer``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .base import _Model
from .usage import Usage

ServerRequestState = Literal[
    "invalid",  # the answer was refused (the note says why); the request still waits
    "running",  # sampling approved: the model runs
    "accepted",  # elicitation answered with accept
    "declined",
    "cancelled",
    "approved",  # sampling result returned to the server
    "rejected",  # sampling refused by the user (the server gets an error)
    "expired",  # nobody answered in time (elicitation: cancel; sampling: an error)
    "ended",  # its tool call ended (or was stopped) first
    "failed",  # the model failed while sampling
    "gone",  # an answer to a request that no longer waits
]


class SamplingText(_Model):
    """One message of a sampling request, as text (other content is named, not shown)."""

    role: str
    text: str


class ElicitationRequestFrame(_Model):
    """The server asks the user for input while ``call_id`` runs (``mode`` form: fill
    ``requested_schema``; url: open ``url``, e.g. to sign in on the server's site)."""

    type: Literal["elicitation_request"] = "elicitation_request"
    chat_id: str
    request_id: str
    call_id: str
    server: str
    mode: Literal["form", "url"]
    message: str
    requested_schema: dict[str, Any] | None = None
    url: str | None = None
    timeout: float  # seconds it waits for an answer


class SamplingRequestFrame(_Model):
    """The server asks for a model completion (``stage`` request), or the model's answer waits
    to be returned to it (``stage`` result)."""

    type: Literal["sampling_request"] = "sampling_request"
    chat_id: str
    request_id: str
    call_id: str
    server: str
    stage: Literal["request", "result"]
    messages: list[SamplingText]
    system_prompt: str | None = None
    max_tokens: int  # what runs: the server's ask, capped
    requested_max_tokens: int  # what the server asked for
    model_hints: list[str] = Field(default_factory=list)
    model: str | None = None  # the chat's model, which runs (or ran) it
    result: str | None = None  # stage result: the model's text
    usage: Usage | None = None  # stage result: what the model spent (counted in the chat's usage)
    timeout: float


class ServerRequestStatusFrame(_Model):
    type: Literal["server_request_status"] = "server_request_status"
    chat_id: str
    request_id: str
    status: ServerRequestState
    note: str | None = None


class ElicitationAnswerFrame(_Model):
    """The user's answer to an ``elicitation_request``: ``content`` (accept, form mode) is checked
    against the requested schema before anything is returned to the server."""

    type: Literal["elicitation_answer"] = "elicitation_answer"
    chat_id: str
    request_id: str = Field(min_length=1, max_length=100)
    action: Literal["accept", "decline", "cancel"]
    content: dict[str, Any] | None = None


class SamplingAnswerFrame(_Model):
    """The user's answer to a ``sampling_request``: approve (a request: optionally with edited
    ``messages`` text and ``max_tokens``) or reject (the server gets an error with ``reason``)."""

    type: Literal["sampling_answer"] = "sampling_answer"
    chat_id: str
    request_id: str = Field(min_length=1, max_length=100)
    action: Literal["approve", "reject"]
    messages: list[SamplingText] | None = Field(default=None, max_length=100)
    max_tokens: int | None = Field(default=None, ge=1)
    reason: str | None = Field(default=None, max_length=2000)
