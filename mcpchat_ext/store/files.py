"""The data directory and its database files, private to the user running Jupyter.

Chats, tool results and MCP server credentials live in ``app.db`` and ``checkpoints.db``. The
data directory is created with mode 0700 and each database file with 0600, whatever the umask:
the file is created empty with mode 0600 before SQLite opens it, and SQLite gives the ``-wal``
and ``-shm`` files it creates the mode of their database file. Database files (and their
``-wal``/``-shm``) left with wider modes by an earlier version are narrowed to 0600. An existing
data directory keeps its mode (it may be shared on purpose); one that others can enter is
reported in the log.

Failures (a path under a file, a directory that cannot be created) raise
:class:`~mcpchat_ext.errors.StorageError` naming the path and the remedy.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy.engine import make_url

from ..errors import StorageError
from .faults import REMEDY_DIR

DIR_MODE = 0o700
FILE_MODE = 0o600
SIDE_FILES = ("-wal", "-shm", "-journal")


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for another database or an in-memory one)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def prepare_data_dir(path: Path) -> str | None:
    """Create ``path`` (mode 0700) if needed; a warning to log when others can enter it."""
    try:
        if not path.is_dir():
            path.mkdir(parents=True, mode=DIR_MODE)
            os.chmod(path, DIR_MODE)  # mkdir's mode is cut by the umask; this one is not
            return None
    except OSError as exc:
        raise StorageError(
            f"cannot create the data directory {path}: {exc.strerror or exc}; " + REMEDY_DIR
        ) from exc
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return (
            f"the data directory {path} (mode {mode:o}) can be read by other users of this machine: "
            f"chats and MCP server credentials are stored there (chmod 700 it)"
        )
    return None


def private_file(path: Path) -> None:
    """Create the database file ``path`` with mode 0600 (narrowing it and its side files)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE))
        except FileExistsError:
            pass
        for candidate in (path, *(path.with_name(path.name + s) for s in SIDE_FILES)):
            if candidate.exists() and stat.S_IMODE(candidate.stat().st_mode) != FILE_MODE:
                os.chmod(candidate, FILE_MODE)
    except OSError as exc:
        raise StorageError(f"cannot create {path}: {exc.strerror or exc}; " + REMEDY_DIR) from exc
