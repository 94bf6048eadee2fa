"""SQLAlchemy 2 async app store: chats, MCP server configs and the approval audit, per user."""

from __future__ import annotations

from .repository import Store

__all__ = ["Store"]
