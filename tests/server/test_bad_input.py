"""Hostile input on a real jupyter-server: deep JSON, binary junk, huge specs, internal errors.

Each gets a clear error frame or 400 and the connection stays usable; an internal error shows
the client a log reference and nothing else, and a client's mistake logs no traceback.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from mcpchat_ext.users.workspace import UserWorkspace

from .conftest import body
from .wsclient import ChatSocket

REF = re.compile(r"^internal error \(ref ([0-9a-f]{6})\): see the server log$")


async def open_socket(jp_ws_fetch: Any) -> ChatSocket:
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    assert (await sock.recv())["type"] == "welcome"
    return sock


async def rest_error(
    jp_fetch: Any, *parts: str, method: str = "POST", raw: bytes | str = b"{}"
) -> tuple[int, Any]:
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("mcpchat", "api", *parts, method=method, body=raw, request_timeout=60)
    assert info.value.response is not None
    return info.value.code, json.loads(info.value.response.body)


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        ("[" * 5000 + "]" * 5000, "JSON nested deeper than 64 levels"),
        ('{"type": "call", "id": "x", "method": "chats.list", "params": ' + '{"a": ' * 5000 + "1" + "}" * 5001,
         "JSON nested deeper than 64 levels"),
        ('{"type": "ping", "n": ' + "9" * 5000 + "}", "not JSON we accept: Exceeds the limit"),
        (b"\xff\xfe\x00garbage\x80", "not UTF-8 text (invalid byte at position 0)"),
        (b'{"type": "ping"}\xc3\x28', "not UTF-8 text"),
        (b"\x00\x01\x02", "not JSON"),
    ],
)  # fmt: skip
async def test_hostile_frames_get_an_error_frame_and_the_socket_stays_usable(
    jp_ws_fetch: Any, frame: str | bytes, message: str
) -> None:
    sock = await open_socket(jp_ws_fetch)
    await sock.ws.write_message(frame, binary=isinstance(frame, bytes))
    reply = await sock.recv(timeout=30)
    assert reply["type"] == "error" and reply["code"] == "bad_frame", reply
    assert reply["message"].startswith(message), reply
    await sock.send({"type": "ping"})
    assert (await sock.recv())["type"] == "pong"
    sock.ws.close()


async def test_a_100000_deep_rest_body_is_a_400(jp_fetch: Any) -> None:
    for raw in (
        "[" * 100_000 + "]" * 100_000,
        '{"title": ' * 100_000,
        b"\xff{}",
        '{"title": 1' + "0" * 5000 + "}",
    ):
        code, error = await rest_error(jp_fetch, "chats", raw=raw)
        assert (code, error["code"]) == (400, "bad_request"), error
    assert json.loads((await jp_fetch("mcpchat", "api", "chats")).body) == []


async def test_huge_server_specs_are_refused_at_once(jp_fetch: Any) -> None:
    base = {"name": "big", "command": sys.executable}
    for spec, message in [
        (
            {**base, "env": {"A": "x" * 10_000_000}},
            "MCP server 'big': env A is longer than 32 KiB (the limit)",
        ),
        (
            {**base, "env": {f"K{i}": "v" for i in range(100_000)}},
            "MCP server 'big': 'env' has 100000 entries; at most 100 are allowed",
        ),
        (
            {**base, "args": ["a"] * 100_000},
            "MCP server 'big': 'args' has 100000 entries; at most 200 are allowed",
        ),
    ]:
        code, error = await rest_error(jp_fetch, "servers", raw=body(spec))
        assert (code, error["code"], error["message"]) == (400, "bad_request", message)
        entry = {k: v for k, v in spec.items() if k != "name"}
        code, error = await rest_error(
            jp_fetch, "servers", "import", raw=body({"mcpServers": {"big": entry}})
        )
        assert (code, error["message"]) == (400, message)
    listed = json.loads((await jp_fetch("mcpchat", "api", "servers")).body)
    assert [s["name"] for s in listed] == ["demo"], "nothing was stored"
    many = {"mcpServers": {f"s{i}": {"command": "x"} for i in range(101)}}
    code, error = await rest_error(jp_fetch, "servers", "import", raw=body(many))
    assert (code, error["message"]) == (400, "an import takes at most 100 MCP servers, got 101")


async def test_an_internal_error_shows_a_reference_and_logs_the_details(
    jp_fetch: Any, jp_ws_fetch: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(self: UserWorkspace) -> Any:
        raise RuntimeError("internal detail /srv/secret/path")

    sock = await open_socket(jp_ws_fetch)
    monkeypatch.setattr(UserWorkspace, "list_chats", broken)
    caplog.set_level(logging.INFO)
    code, error = await rest_error(jp_fetch, "chats", method="GET", raw=None)  # type: ignore[arg-type]
    assert (code, error["code"]) == (500, "internal") and set(error) == {"code", "message"}
    rest_ref = REF.match(error["message"])
    assert rest_ref, error

    await sock.send({"type": "call", "id": "c1", "method": "chats.list"})
    reply = await sock.recv()
    assert (reply["type"], reply["code"], reply["id"]) == ("error", "internal", "c1")
    ws_ref = REF.match(reply["message"])
    assert ws_ref, reply
    assert "secret" not in json.dumps([error, reply])
    for ref in (rest_ref.group(1), ws_ref.group(1)):
        (record,) = [r for r in caplog.records if f"(ref {ref})" in r.getMessage()]
        assert record.levelno == logging.ERROR and (record.exc_info or record.exc_text)
        assert "internal detail /srv/secret/path" in caplog.text
    sock.ws.close()


async def test_client_mistakes_log_no_traceback(
    jp_fetch: Any, jp_ws_fetch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sock = await open_socket(jp_ws_fetch)
    await rest_error(jp_fetch, "chats", raw="[" * 100_000)
    await rest_error(jp_fetch, "chats", raw='{"title": 5}')
    await rest_error(jp_fetch, "chats", "unknown", method="GET", raw=None)  # type: ignore[arg-type]
    await rest_error(jp_fetch, "servers", raw=body({"name": "x", "command": "x", "args": ["a"] * 201}))
    for frame in ("[" * 5000, '{"type": "send", "chat_id": "nope", "text": "x"}'):
        await sock.send(frame)
        assert (await sock.recv())["type"] == "error"
    mcpchat = [r for r in caplog.records if "mcpchat" in r.getMessage() or r.name.startswith("mcpchat")]
    assert mcpchat, "the requests were logged"
    assert not [r for r in caplog.records if r.exc_info or r.exc_text], "no traceback for a client mistake"
    assert "Traceback" not in caplog.text
    sock.ws.close()
