"""Storage failures on a real jupyter-server: code ``storage``, the path and the fix, never a 500.

(See tests/store/test_files.py for how each failure is made real while the tests run as root.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from mcpchat_ext.app import ENGINE_KEY
from mcpchat_ext.engine import Engine

from .wsclient import ChatSocket


def engine_of(jp_serverapp: Any) -> Engine:
    engine: Engine = jp_serverapp.web_app.settings[ENGINE_KEY]
    return engine


async def test_an_uncreatable_data_dir_is_reported_over_rest_and_websocket(
    jp_serverapp: Any, jp_fetch: Any, jp_ws_fetch: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("a file where the data directory's parent should be")
    engine = engine_of(jp_serverapp)
    engine.config.data_dir = blocker / "sub"  # the engine starts on the first request
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mcpchat", "api", "chats")
    assert info.value.code == 503 and info.value.response is not None
    error = json.loads(info.value.response.body)
    assert error["code"] == "storage"
    assert f"cannot create the data directory {blocker / 'sub'}: Not a directory" in error["message"]
    assert "MCPChatExtension.data_dir" in error["message"]

    ws = await jp_ws_fetch("mcpchat", "ws")
    frame = json.loads(await ws.read_message())
    assert (frame["type"], frame["code"]) == ("error", "storage")
    assert str(blocker / "sub") in frame["message"]
    assert await ws.read_message() is None, "then the socket is closed"

    blocker.unlink()  # fixed: the next request starts the engine
    assert json.loads((await jp_fetch("mcpchat", "api", "chats")).body) == []


async def test_a_send_on_a_full_disk_gets_a_storage_error_for_its_chat(
    jp_serverapp: Any, jp_ws_fetch: Any
) -> None:
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    await sock.recv()
    chat = await sock.call("chats.create", servers=[])
    conn = engine_of(jp_serverapp).parts.checkpointer.conn
    await conn.execute("PRAGMA max_page_count = 1")  # the checkpoint file cannot grow: SQLITE_FULL
    text = "please keep this long message " * 2000
    await sock.send({"type": "send", "chat_id": chat["id"], "text": text})
    frames = await sock.until("error", "done", chat_id=chat["id"])
    error = frames[-1]
    assert (error["type"], error["code"], error["chat_id"]) == ("error", "storage", chat["id"]), error
    assert "checkpoints.db: the disk is full" in error["message"]
    # the client kept the text (the panel does on any error): once there is room it goes through
    await conn.execute("PRAGMA max_page_count = 1073741823")
    await sock.send({"type": "send", "chat_id": chat["id"], "text": text})
    retried = (await sock.until("error", "done", chat_id=chat["id"]))[-1]
    assert retried["type"] == "done", retried
    history = await sock.call("chats.history", chat_id=chat["id"])
    assert [m["content"] for m in history["messages"] if m["role"] == "user"] == [text]
    sock.ws.close()
