"""Context the user attaches to a message in one click: a notebook, cells, an error, a file, a
kernel variable, an MCP server's resource. The client sends the content it read (for a resource
only its ``server`` and ``uri``: the server reads it at send); the server cuts it to the context
budget, gives it to the model as quoted context (not instructions) and records it on the message."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from .base import _Model

AttachmentKind = Literal["notebook", "cells", "error", "file", "variable", "resource"]


class Attachment(_Model):
    kind: AttachmentKind
    label: str = Field(min_length=1, max_length=200)  # what the chip shows, e.g. "a.ipynb: cell 3"
    path: str | None = Field(default=None, max_length=4096)
    content: str = Field(default="", max_length=200_000)
    # a resource: which of the user's MCP servers has it, and its URI (its content is read at send)
    server: str | None = Field(default=None, max_length=64)
    uri: str | None = Field(default=None, max_length=4096)

    @model_validator(mode="after")
    def _resource_has_a_source(self) -> Attachment:
        if self.kind == "resource" and not (self.server and self.uri):
            raise ValueError("a resource attachment needs its 'server' and 'uri'")
        return self


MAX_ATTACHMENTS = 20


def check_count(items: list[Attachment]) -> list[Attachment]:
    """(A validator, not maxItems: the generated TypeScript would spell out 20 tuple types.)"""
    if len(items) > MAX_ATTACHMENTS:
        raise ValueError(f"at most {MAX_ATTACHMENTS} attachments per message, got {len(items)}")
    return items


Attachments = Annotated[list[Attachment], AfterValidator(check_count)]
