"""Chat export on a real jupyter-server: REST downloads and the chats.export RPC."""

from __future__ import annotations

import json
from typing import Any

import nbformat
import pytest
from tornado.httpclient import HTTPClientError

from .conftest import body
from .wsclient import CallError, ChatSocket

pytestmark = pytest.mark.timeout(120)


async def _chat_with_reply(jp_fetch: Any) -> str:
    created = await jp_fetch("mcpchat", "api", "chats", method="POST", body=body({"title": "My <chat>"}))
    chat_id = str(json.loads(created.body)["id"])
    await jp_fetch(
        "mcpchat",
        "api",
        "chats",
        chat_id,
        "messages",
        method="POST",
        body=body({"text": "hello there"}),
        request_timeout=60,
    )
    return chat_id


async def test_rest_downloads_each_format(jp_fetch: Any) -> None:
    chat_id = await _chat_with_reply(jp_fetch)
    nb_response = await jp_fetch("mcpchat", "api", "chats", chat_id, "export", params={"format": "ipynb"})
    assert nb_response.headers["Content-Type"] == "application/x-ipynb+json"
    assert nb_response.headers["Content-Disposition"] == 'attachment; filename="My-chat.ipynb"'
    assert nb_response.headers["X-Content-Type-Options"] == "nosniff"
    nb = nbformat.reads(nb_response.body.decode(), as_version=4)
    nbformat.validate(nb)
    assert any("hello there" in c.source for c in nb.cells)
    md = await jp_fetch("mcpchat", "api", "chats", chat_id, "export", params={"format": "md"})
    assert md.headers["Content-Type"].startswith("text/markdown") and b"hello there" in md.body
    audit = await jp_fetch("mcpchat", "api", "chats", chat_id, "export", params={"format": "audit"})
    assert json.loads(audit.body)["decisions"] == []


@pytest.mark.parametrize(
    ("chat", "params", "code"),
    [("real", {"format": "pdf"}, 400), ("0123missing", {"format": "ipynb"}, 404)],
)
async def test_rest_refuses_bad_requests(jp_fetch: Any, chat: str, params: dict[str, str], code: int) -> None:
    chat_id = await _chat_with_reply(jp_fetch) if chat == "real" else chat
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mcpchat", "api", "chats", chat_id, "export", params=params)
    assert info.value.code == code
    assert info.value.response is not None
    assert "Traceback" not in info.value.response.body.decode()


async def test_anonymous_export_is_refused(jp_fetch: Any) -> None:
    chat_id = await _chat_with_reply(jp_fetch)
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mcpchat", "api", "chats", chat_id, "export", headers={"Authorization": ""})
    assert info.value.code in (401, 403)


async def test_export_rpc(jp_fetch: Any, jp_ws_fetch: Any) -> None:
    chat_id = await _chat_with_reply(jp_fetch)
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    await sock.recv()
    result = await sock.call("chats.export", chat_id=chat_id, format="md")
    assert result["filename"] == "My-chat.md" and "hello there" in result["content"]
    assert result["format"] == "md" and result["media_type"].startswith("text/markdown")
    with pytest.raises(CallError) as info:
        await sock.call("chats.export", chat_id=chat_id, format="exe")
    assert info.value.code == "bad_request"
