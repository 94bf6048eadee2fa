"""Branches of a conversation: retrying a reply and editing an earlier user message.

A retry or an edit forks the conversation before that user message: the new version and its
reply become the shown branch, the old one stays as a sibling. ``chats.branches`` lists the user
messages of the shown branch that have other versions; ``chats.switch_branch`` shows another one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import _Model


class BranchPoint(_Model):
    """A user message of the shown branch that has other versions (edits or retries of it)."""

    message_id: str  # the shown version's id
    index: int  # 0-based position of the shown version among its versions (oldest first)
    count: int  # how many versions there are (>= 2)


class Branches(_Model):
    """``chats.branches`` / ``chats.switch_branch``: the branch points of the shown branch."""

    chat_id: str
    points: list[BranchPoint] = Field(default_factory=list)


class BranchSwitchedFrame(_Model):
    """Server -> the user's clients: another version of a user message is shown in ``chat_id``
    (``chats.switch_branch`` in one tab or widget): every client of the chat reloads its history."""

    type: Literal["branch_switched"] = "branch_switched"
    chat_id: str
    points: list[BranchPoint] = Field(default_factory=list)  # the shown branch's, as Branches has them


class RetryParams(_Model):
    """``chats.retry``: run the model again for the last user message (a new version of it)."""

    chat_id: str


class EditParams(_Model):
    """``chats.edit_message``: send ``text`` in place of a user message of the shown branch."""

    chat_id: str
    message_id: str
    text: str = Field(min_length=1, max_length=100_000)


class SwitchParams(_Model):
    """``chats.switch_branch``: show version ``index`` (0-based) of the user message ``message_id``."""

    chat_id: str
    message_id: str
    index: int = Field(ge=0)
