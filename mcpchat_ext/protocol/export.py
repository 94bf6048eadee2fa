"""A chat exported as a file: a notebook, a Markdown document, or its approval audit."""

from __future__ import annotations

from typing import Literal

from .base import _Model

ExportFormat = Literal["ipynb", "md", "audit"]


class ChatExport(_Model):
    """What ``chats.export`` answers: the file's name, media type and text."""

    chat_id: str
    format: ExportFormat
    filename: str
    media_type: str
    content: str
