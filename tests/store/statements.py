"""The SQL a store's thread engine runs, for the tests that count statements."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from mcpchat_ext.store import Store

Seen = list[tuple[str, Any]]


@contextmanager
def statements_of(store: Store) -> Iterator[Seen]:
    """(SQL with its whitespace collapsed, SQLAlchemy's compiled-cache verdict) of each statement
    the store's thread engine runs meanwhile."""
    seen: Seen = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        seen.append((" ".join(statement.split()), getattr(context, "cache_hit", None)))

    event.listen(store.lease_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(store.lease_engine, "before_cursor_execute", record)


def starting(seen: Seen, start: str, table: str) -> list[str]:
    """The statements of ``seen`` that begin with ``start`` (``SELECT``, ``UPDATE``, ``INSERT
    INTO``) and name ``table``."""
    return [sql for sql, _ in seen if sql.upper().startswith(start) and f" {table}" in sql]
