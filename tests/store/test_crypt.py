"""Encryption at rest of MCP server credentials (MCPCHAT_CRYPT_KEY): no plaintext in the files,
the key is needed to read them back, keys rotate."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpchat_ext.errors import StorageError
from mcpchat_ext.protocol import ServerSpec
from mcpchat_ext.store import Store
from mcpchat_ext.store.crypt import Cipher

fernet = pytest.importorskip("cryptography.fernet")

SECRETS = ("env-token-5a1f0e", "header-token-77c2", "url-pass-9d3b", "query-key-12ab", "arg-token-c0ffee")
STDIO = ServerSpec(
    name="local", command="srv", args=["--token", SECRETS[4], "--mode", "fast"], env={"TOKEN": SECRETS[0]}
)
HTTP = ServerSpec(
    name="web",
    transport="streamable_http",
    url=f"https://me:{SECRETS[2]}@h.example/mcp?api_key={SECRETS[3]}",
    headers={"Authorization": f"Bearer {SECRETS[1]}"},
)


def key() -> str:
    return str(fernet.Fernet.generate_key().decode())


def raw_bytes(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))


async def fill(url: str, cipher: Cipher | None) -> None:
    store = await Store.open(url, cipher)
    try:
        await store.add_server("u", STDIO)
        await store.add_server("u", HTTP)
    finally:
        await store.close()


@pytest.mark.asyncio
async def test_with_a_key_the_files_hold_no_plaintext_secret(db_path: Path, db_url: str) -> None:
    cipher = Cipher(key())
    store = await Store.open(db_url, cipher)
    try:
        assert await store.add_server("u", STDIO) == STDIO  # what is returned is plain
        await store.add_server("u", HTTP)
        on_disk = raw_bytes(db_path)  # app.db and its -wal / -shm, while open
        assert [await store.get_server("u", n) for n in ("local", "web")] == [STDIO, HTTP]
    finally:
        await store.close()
    on_disk += raw_bytes(db_path)  # and after the WAL went into the file
    for secret in SECRETS:
        assert secret.encode() not in on_disk, secret
    assert b"enc:" in on_disk and b"--mode" in on_disk, "only the secret values are encrypted"


@pytest.mark.asyncio
async def test_without_the_key_the_values_stay_unreadable(db_url: str, db_path: Path) -> None:
    await fill(db_url, Cipher(key()))
    for cipher, message in [
        (None, "stored encrypted: set MCPCHAT_CRYPT_KEY"),
        (Cipher(key()), "with MCPCHAT_CRYPT_KEY: it does not hold the key"),
    ]:
        store = await Store.open(db_url, cipher)
        try:
            with pytest.raises(StorageError, match=message) as info:
                await store.list_servers("u")
            assert info.value.code == "storage" and "MCP server 'local'" in str(info.value)
        finally:
            await store.close()


@pytest.mark.asyncio
async def test_keys_rotate_and_plaintext_of_before_the_key_is_read_then_encrypted(
    db_url: str, db_path: Path
) -> None:
    await fill(db_url, None)  # written without a key
    old, new = key(), key()
    store = await Store.open(db_url, Cipher(old))
    try:
        assert await store.get_server("u", "local") == STDIO
        await store.update_server("u", "local", STDIO)  # saved again: encrypted now
    finally:
        await store.close()
    store = await Store.open(db_url, Cipher(f"{new};{old}"))  # rotated: the old key still reads
    try:
        assert await store.get_server("u", "local") == STDIO
    finally:
        await store.close()
    assert SECRETS[0].encode() not in raw_bytes(db_path)


@pytest.mark.parametrize(
    ("keys", "message"),
    [(";", "holds no key"), ("not-a-key", "key 1 of MCPCHAT_CRYPT_KEY is not a Fernet key")],
)
def test_bad_keys_are_refused_clearly(keys: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Cipher(keys)
