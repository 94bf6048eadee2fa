"""Bring an existing database up to the models: tables are created by ``create_all``, and columns
added to a model since its table was created are added here as nullable columns (this store only
ever adds columns, so no migration tool is needed)."""

from __future__ import annotations

import logging

from sqlalchemy import MetaData, inspect, text
from sqlalchemy.engine import Connection

log = logging.getLogger("mcpchat_ext")


def add_missing_columns(conn: Connection, metadata: MetaData) -> None:
    inspector = inspect(conn)
    quote = conn.dialect.identifier_preparer.quote
    for table in metadata.sorted_tables:
        have = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in have:
                continue
            log.info("adding column %s.%s to the mcpchat store", table.name, column.name)
            kind = column.type.compile(dialect=conn.dialect)
            conn.execute(text(f"ALTER TABLE {quote(table.name)} ADD COLUMN {quote(column.name)} {kind}"))
