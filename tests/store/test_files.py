"""The data directory and database files are private; storage failures name the path and the fix.

Tests run as root, where file modes do not stop writes: read-only databases are made with SQLite's
own read-only open (``?mode=ro``) or an immutable file (``chattr +i``, skipped where it is not
allowed), "uncreatable" with a path under a regular file, a full disk with SQLite's
``max_page_count`` (SQLite then fails exactly as on a full disk: SQLITE_FULL), a lock with a
second connection holding an exclusive transaction.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from mcpchat_ext import protocol as p
from mcpchat_ext.config import EngineConfig
from mcpchat_ext.engine import Engine
from mcpchat_ext.errors import StorageError
from mcpchat_ext.store import Store
from mcpchat_ext.store.faults import storage_error


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def wide_umask() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest_asyncio.fixture
async def engine(tmp_path: Path) -> AsyncIterator[Engine]:
    eng = Engine(EngineConfig(data_dir=tmp_path / "home" / "data", include_demo_server=False))
    try:
        yield eng
    finally:
        await eng.aclose()


@pytest.mark.asyncio
@pytest.mark.usefixtures("wide_umask")
async def test_the_data_dir_is_0700_and_the_databases_and_their_wal_0600(engine: Engine) -> None:
    workspace = await engine.workspace("u")
    await workspace.create_chat(p.CreateChat(title="t"))
    data = engine.config.data_dir
    assert mode(data) == 0o700
    files = sorted(p.name for p in data.iterdir())
    assert {"app.db", "app.db-wal", "app.db-shm", "checkpoints.db", "checkpoints.db-wal"} <= set(files)
    for name in files:
        assert mode(data / name) == 0o600, (name, oct(mode(data / name)))


@pytest.mark.asyncio
@pytest.mark.usefixtures("wide_umask")
async def test_files_of_an_earlier_version_are_narrowed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "old"
    data.mkdir(mode=0o755)
    os.chmod(data, 0o755)
    for name in ("app.db", "checkpoints.db"):
        sqlite3.connect(data / name).close()
        os.chmod(data / name, 0o644)
    (data / "checkpoints.db-wal").write_bytes(b"")
    os.chmod(data / "checkpoints.db-wal", 0o644)
    eng = Engine(EngineConfig(data_dir=data, include_demo_server=False))
    try:
        await eng.workspace("u")
        for name in ("app.db", "checkpoints.db", "checkpoints.db-wal"):
            assert mode(data / name) == 0o600, name
    finally:
        await eng.aclose()
    # an existing directory keeps its mode (it may be shared on purpose), with a warning
    assert mode(data) == 0o755
    assert f"the data directory {data} (mode 755) can be read by other users" in caplog.text


@pytest.mark.asyncio
async def test_an_uncreatable_data_dir_names_the_path_and_the_remedy(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("not a directory")
    bad = tmp_path / "afile" / "sub"
    eng = Engine(EngineConfig(data_dir=bad, include_demo_server=False))
    with pytest.raises(StorageError) as info:
        await eng.workspace("u")
    message = str(info.value)
    assert f"cannot create the data directory {bad}: Not a directory" in message
    assert "MCPChatExtension.data_dir" in message and info.value.code == "storage"
    # fixed: the next use starts the engine
    (tmp_path / "afile").unlink()
    try:
        assert (await eng.workspace("u")).user == "u"
    finally:
        await eng.aclose()


@pytest_asyncio.fixture
async def filled(tmp_path: Path) -> Path:
    path = tmp_path / "app.db"
    store = await Store.open(f"sqlite+aiosqlite:///{path}")
    await store.create_chat("u", "kept", [])
    await store.close()
    return path


@pytest.mark.asyncio
async def test_a_read_only_database_reads_and_refuses_writes_by_name(filled: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///file:{filled}?mode=ro&uri=true")
    try:
        assert [c.title for c in await store.list_chats("u")] == ["kept"]
        with pytest.raises(StorageError, match=f"cannot use {filled}: the database is read-only"):
            await store.create_chat("u", "lost?", [])
        with pytest.raises(StorageError, match="read-only"):  # the audit methods are guarded too
            await store.delete_decisions("u")
    finally:
        await store.close()


@pytest.fixture
def immutable(filled: Path) -> Iterator[Path]:
    """``filled`` made immutable (root cannot write it either); skipped where chattr is refused."""
    try:
        subprocess.run(["chattr", "+i", str(filled)], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"chattr +i is not available here: {exc}")
    try:
        yield filled
    finally:
        subprocess.run(["chattr", "-i", str(filled)], check=False)


@pytest.mark.asyncio
async def test_an_immutable_database_file_is_reported_as_read_only(immutable: Path) -> None:
    with pytest.raises(StorageError, match=f"cannot use {immutable}: the database is read-only"):
        store = await Store.open(f"sqlite+aiosqlite:///{immutable}")
        try:
            await store.create_chat("u", "lost?", [])
        finally:
            await store.close()


@pytest.mark.asyncio
async def test_a_locked_database_names_the_other_process(filled: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{filled}")
    other = sqlite3.connect(filled, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        other.execute("INSERT INTO users(name, created_at) VALUES ('x', '2026-01-01')")
        with pytest.raises(StorageError, match="the database is locked by another process"):
            await store.create_chat("u", "waits 5 s (busy_timeout), then fails", [])
    finally:
        other.execute("ROLLBACK")
        other.close()
        await store.close()


@pytest.mark.asyncio
async def test_a_turn_on_a_locked_database_says_so_not_busy_elsewhere(tmp_path: Path) -> None:
    """The run lease's take on a database another process keeps locked past the busy timeout:
    the turn's error names the file and the lock (it said "this chat is busy in another process,
    wait until its reply is done", about a chat nobody was running), and the text is kept."""
    eng = Engine(EngineConfig(data_dir=tmp_path / "d", include_demo_server=False))
    other = None
    try:
        workspace = await eng.workspace("u")
        chat = await workspace.create_chat(p.CreateChat(servers=[]))
        other = sqlite3.connect(eng.config.data_dir / "app.db", isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")
        locked = f"cannot use {eng.config.data_dir / 'app.db'}: the database is locked by another process"
        with pytest.raises(StorageError) as caught:
            await workspace.turns.start(chat.id, "waits 5 s (busy_timeout)")
        assert str(caught.value).startswith(locked), caught.value
        assert caught.value.code == "storage"
        other.execute("ROLLBACK")  # the lock is gone: the same message goes through
        frames = [f async for f in workspace.turns.stream(chat.id, text="now it goes through")]
        assert isinstance(frames[-1], p.DoneFrame), frames[-1]
    finally:
        if other is not None:
            other.close()
        await eng.aclose()


@pytest.mark.asyncio
async def test_a_turn_on_a_full_disk_ends_with_a_storage_error_for_its_chat(tmp_path: Path) -> None:
    eng = Engine(EngineConfig(data_dir=tmp_path / "d", include_demo_server=False))
    try:
        workspace = await eng.workspace("u")
        chat = await workspace.create_chat(p.CreateChat(servers=[]))
        conn = eng.parts.checkpointer.conn
        await conn.execute("PRAGMA max_page_count = 1")  # = the current size: the file cannot grow
        frames = [f async for f in workspace.turns.stream(chat.id, text="a long message " * 4000)]
        error = frames[-1]
        assert isinstance(error, p.ErrorFrame), frames[-1]
        assert (error.code, error.chat_id) == ("storage", chat.id)
        assert error.message.startswith(
            f"cannot use {eng.config.data_dir / 'checkpoints.db'}: the disk is full"
        )
        # space again: the same message goes through
        await conn.execute("PRAGMA max_page_count = 1073741823")
        frames = [f async for f in workspace.turns.stream(chat.id, text="a long message " * 4000)]
        assert isinstance(frames[-1], p.DoneFrame), frames[-1]
    finally:
        await eng.aclose()


@pytest.mark.parametrize(
    ("message", "meaning"),
    [
        ("database or disk is full", "the disk is full"),
        ("attempt to write a readonly database", "the database is read-only"),
        ("unable to open database file", "cannot be opened or created"),
        ("database is locked", "locked by another process"),
        ("disk I/O error", "disk I/O error"),
        ("file is not a database", "not an SQLite database"),
    ],
)
def test_sqlite_failures_are_mapped(message: str, meaning: str) -> None:
    error = storage_error(sqlite3.OperationalError(message), "/data/app.db")
    assert error is not None and str(error).startswith("cannot use /data/app.db: ")
    assert meaning in str(error)


def test_other_errors_are_not_storage_errors() -> None:
    assert storage_error(sqlite3.OperationalError("no such table: chats")) is None
    assert storage_error(ValueError("database is locked")) is None
    assert storage_error(ConnectionRefusedError("refused")) is None  # an OSError, not a file's
