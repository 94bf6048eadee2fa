"""Storage failures as :class:`~mcpchat_ext.errors.StorageError`: what failed, where, what to do.

SQLite reports a full disk, a read-only file, a lock held by another process or a file it cannot
open as ``sqlite3.OperationalError`` (SQLAlchemy wraps it in its own ``OperationalError``); left
alone they reach the client as internal errors. :func:`storage_error` maps them, and
:func:`storage_guarded` applies the mapping to every public coroutine method of a class (the app
store, the checkpointer), so no query method has to care.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypeVar

from ..errors import StorageError

T = TypeVar("T")

REMEDY_DIR = "or set MCPChatExtension.data_dir (or $MCPCHAT_DATA_DIR) to a writable directory"

# (part of SQLite's message, what it means for the user): the first match wins
_FAULTS = (
    ("disk is full", "the disk is full: free some space on it, " + REMEDY_DIR),
    ("readonly database", "the database is read-only: make the file and its directory writable "
     "by the user running Jupyter, " + REMEDY_DIR),
    ("unable to open database", "the database file cannot be opened or created: check that its "
     "directory exists and is writable, " + REMEDY_DIR),
    ("database is locked", "the database is locked by another process (another Jupyter server "
     "on the same data directory?): stop it, or wait and try again"),
    ("database table is locked", "the database is busy: try again"),
    ("disk i/o error", "reading or writing failed (disk I/O error): check the disk"),
    ("file is not a database", "the file is not an SQLite database: move it away (a new one is "
     "created) or restore it from a backup"),
    ("malformed", "the database is damaged: restore it from a backup or move it away (a new one "
     "is created)"),
)  # fmt: skip


def storage_error(exc: BaseException, path: object = None, *, files: bool = False) -> StorageError | None:
    """The StorageError for a database failure at ``path``; None when ``exc`` is not one.
    ``files``: an OSError is one too (the caller was only creating or opening files)."""
    where = f"{path}" if path else "a database in the data directory"
    if files and isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
        return StorageError(
            f"cannot use {where}: {reason}; check the path and its permissions, " + REMEDY_DIR
        )
    driver = getattr(exc, "orig", None) or exc  # SQLAlchemy's DBAPIError wraps the driver's error
    if not isinstance(driver, sqlite3.Error):
        return None
    text = str(driver).lower()
    for needle, meaning in _FAULTS:
        if needle in text:
            return StorageError(f"cannot use {where}: {meaning}")
    return None


@contextlib.contextmanager
def storage_faults(path: object) -> Iterator[None]:
    """Raise database failures inside the block as StorageError naming ``path``."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        error = storage_error(exc, path, files=True)
        if error is None:
            raise
        raise error from exc


def _guard_coroutine(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> Any:
        with storage_faults(getattr(self, "storage_path", None)):
            return await fn(self, *args, **kwargs)

    return guarded


def _guard_generator(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    async def guarded(self: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        with storage_faults(getattr(self, "storage_path", None)):
            async for item in fn(self, *args, **kwargs):
                yield item

    return guarded


def storage_guarded(cls: type[T]) -> type[T]:
    """Class decorator: every public coroutine (and async generator) method of ``cls`` and its
    bases raises database failures as StorageError naming ``self.storage_path``."""
    for name in dir(cls):
        if name.startswith("_"):
            continue
        fn = inspect.getattr_static(cls, name)
        if isinstance(fn, (staticmethod, classmethod)):
            continue
        if inspect.iscoroutinefunction(fn):
            setattr(cls, name, _guard_coroutine(fn))
        elif inspect.isasyncgenfunction(fn):
            setattr(cls, name, _guard_generator(fn))
    return cls
