"""SQLAlchemy 2 ORM models of the app store (users, chats, MCP servers, approval audit, what a
chat's MCP servers sampled, the resources attached to chats).

Every row carries the owning ``user``; :mod:`.repository` is the only code that queries them.
Approval records deliberately have no foreign key to ``chats``: the audit trail is history and
survives the deletion of its chat.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[str]: JSON, dict[str, str]: JSON}


class User(Base):
    __tablename__ = "users"

    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # the roots the user chose per MCP server (server name -> absolute directories; catalog
    # servers too, which have no row of their own; added by store/schema.py to old files)
    server_roots: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class Chat(Base):
    __tablename__ = "chats"
    __table_args__ = (Index("ix_chats_user_updated", "user", "updated_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    thread_id: Mapped[str] = mapped_column(String(64), unique=True)
    servers: Mapped[list[str]] = mapped_column(default=list)
    # the catalog id of the chat's model (None: the default; added by store/schema.py to old files)
    model: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # how the last turn ended when it did not end with a reply (protocol.TurnOutcome; None: it
    # did): a reload shows it (added by store/schema.py to old files)
    outcome: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class MCPServer(Base):
    __tablename__ = "mcp_servers"
    __table_args__ = (UniqueConstraint("user", "name", name="uq_mcp_servers_user_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    transport: Mapped[str] = mapped_column(String(32))
    command: Mapped[str | None] = mapped_column(Text)
    args: Mapped[list[str]] = mapped_column(default=list)
    env: Mapped[dict[str, str]] = mapped_column(default=dict)
    cwd: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApprovalRecord(Base):
    """One human (or auto-approve policy) decision about one tool call. Kept after chat deletion."""

    __tablename__ = "approval_records"
    __table_args__ = (Index("ix_approvals_user_chat", "user", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(String(64))  # no FK: audit outlives the chat
    call_id: Mapped[str] = mapped_column(String(255))
    tool: Mapped[str] = mapped_column(String(255))  # prefixed name the model used
    server: Mapped[str | None] = mapped_column(String(64))
    server_tool: Mapped[str | None] = mapped_column(String(255))  # the server's own tool name
    args: Mapped[dict[str, Any]] = mapped_column(default=dict)
    action: Mapped[str] = mapped_column(String(16))  # approve | edit | reject
    edited_args: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)
    # the approval rule that decided (auto), e.g. "your rule: always allow demo:add"
    rule: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RunLease(Base):
    """Which process runs a chat's turn now: a chat's turns may be started from the Jupyter server
    and from a notebook kernel (the widget or the Python API) on the same files, and a decided
    tool call must run in one of them only. ``expires_at`` lets a crashed holder's lease lapse;
    ``turns`` counts the turns ever started, so a process sees that another one ran in between."""

    __tablename__ = "run_leases"

    chat_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    turns: Mapped[int] = mapped_column(Integer, default=0)


class ApprovalRuleRow(Base):
    """A user's approval rule: allow, ask or deny the calls of a server's tool (``*``: all its
    tools), in one chat (``chat_id``) or in all of them."""

    __tablename__ = "approval_rules"
    __table_args__ = (Index("ix_rules_user", "user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"))
    chat_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    server: Mapped[str] = mapped_column(String(64))
    tool: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(8))  # allow | ask | deny
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SamplingSpend(Base):
    """What one MCP server's sampling request spent on the chat's model, during the tool call
    ``call_id``: written as soon as the model answered (a Stop, a crash or a failed call after it
    keeps the tokens in the chat's totals). Goes with its chat."""

    __tablename__ = "sampling_spends"
    __table_args__ = (Index("ix_sampling_spends_chat", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    call_id: Mapped[str] = mapped_column(String(255))
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[float | None] = mapped_column(Float, nullable=True)  # None: the model has no prices
    model: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the catalog id
    spent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AttachedResourceRow(Base):
    """An MCP resource attached to a chat (a message of it carried it): watched while the chat
    has it and its server is one of the chat's (a server that starts subscribes to it again, also
    after a restart). ``changed``: its server said it changed since the chat last sent it."""

    __tablename__ = "attached_resources"
    __table_args__ = (
        UniqueConstraint("chat_id", "server", "uri", name="uq_attached_resources_chat_server_uri"),
        Index("ix_attached_resources_user", "user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user: Mapped[str] = mapped_column(ForeignKey("users.name", ondelete="CASCADE"))
    chat_id: Mapped[str] = mapped_column(ForeignKey("chats.id", ondelete="CASCADE"))
    server: Mapped[str] = mapped_column(String(64))
    uri: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(200))
    changed: Mapped[bool] = mapped_column(Boolean, default=False)
    attached_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
