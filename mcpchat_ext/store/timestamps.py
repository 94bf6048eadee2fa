"""Timestamps as stored: always UTC (SQLite hands them back without a time zone)."""

from __future__ import annotations

from datetime import datetime, timezone


def aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
