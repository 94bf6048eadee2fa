"""Secrets of MCP server specs on a real jupyter-server: never in statuses, REST, frames or the log;
masked values sent back are only restored for the destination they were given for."""

from __future__ import annotations

import hashlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from mcpchat_ext.app import ENGINE_KEY

from ..fakes.recording_http import recording_server
from .conftest import FAKES, body
from .wsclient import ChatSocket

TOKEN = "env-secret-7f3a9c0d"
KEY = "arg-secret-51d2e8aa"
URL_PASSWORD = "url-pass-0c4b9e11"
QUERY_SECRET = "query-secret-9e8d7c6b"
HEADER_SECRET = "header-secret-3a2b1c0d"
SECRETS = (TOKEN, KEY, URL_PASSWORD, QUERY_SECRET, HEADER_SECRET)


async def api(jp_fetch: Any, *parts: str, method: str = "GET", data: Any = None) -> Any:
    kw: dict[str, Any] = {"method": method, "request_timeout": 60}
    if method in ("POST", "PUT"):
        kw["body"] = body(data if data is not None else {})
    response = await jp_fetch("mcpchat", "api", *parts, **kw)
    return json.loads(response.body) if response.body else None


async def refused(jp_fetch: Any, *parts: str, method: str = "GET", data: Any = None) -> tuple[int, Any]:
    with pytest.raises(HTTPClientError) as info:
        await api(jp_fetch, *parts, method=method, data=data)
    assert info.value.response is not None
    return info.value.code, json.loads(info.value.response.body)


async def servers_frame(sock: ChatSocket, name: str) -> dict[str, Any]:
    """The next servers_changed frame in which ``name`` failed."""
    while True:
        frame = await sock.recv()
        if frame["type"] == "servers_changed":
            mine = [s for s in frame["servers"] if s["name"] == name]
            if mine and mine[0]["state"] == "error":
                return mine[0]


def files_of(directory: Path, pattern: str) -> bytes:
    return b"".join(p.read_bytes() for p in directory.glob(pattern))


def assert_no_secret(where: str, text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret} leaked into {where}"
        assert secret[:12] not in text, f"the start of {secret} leaked into {where}"


async def test_a_leaky_stdio_server_shows_no_secret_anywhere(
    jp_fetch: Any, jp_ws_fetch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    await sock.recv()  # welcome
    spec = {
        "name": "leaky",
        "command": sys.executable,
        "args": [str(FAKES / "leaky_server.py"), f"--api-key={KEY}"],
        "env": {"LEAKY_TOKEN": TOKEN},
    }
    added = await api(jp_fetch, "servers", method="POST", data=spec)
    # the server's own error message is shown, with its credentials cut out
    assert added["state"] == "error"
    assert added["error"].startswith("MCP error: invalid credentials: token *** / key *** rejected")
    # (and the tail of its stderr, redacted alike)
    assert added["error"].endswith("; its stderr ends with:\nstarting with token *** and key ***")
    assert added["spec"]["env"] == {"LEAKY_TOKEN": "***"}
    assert added["spec"]["args"][1] == "--api-key=***"
    frame = await servers_frame(sock, "leaky")
    answers = [
        added,
        frame,
        await api(jp_fetch, "servers"),
        await api(jp_fetch, "servers", "leaky"),
        await api(jp_fetch, "servers", "leaky", "connect", method="POST"),
        await refused(jp_fetch, "servers", "leaky", "tools"),
    ]
    assert answers[-1][0] == 502 and "invalid credentials" in answers[-1][1]["message"]
    assert_no_secret("REST answers", json.dumps(answers))
    assert_no_secret("websocket frames", json.dumps(sock.seen))
    # the MCP SDK did log the server's unparseable output line, secrets and all, and the ended
    # session was logged: both reached the log without the secrets
    assert "Failed to parse JSONRPC message" in caplog.text
    assert "MCP server leaky ended" in caplog.text
    assert_no_secret("the server log", caplog.text)
    sock.ws.close()


async def test_an_http_server_url_with_credentials_shows_none(
    jp_fetch: Any, jp_ws_fetch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    await sock.recv()
    with recording_server() as host:
        url = host.url(f"/mcp?api_key={QUERY_SECRET}&x=1", userinfo=f"me:{URL_PASSWORD}")
        spec = {
            "name": "web",
            "transport": "streamable_http",
            "url": url,
            "headers": {"X-Api-Key": HEADER_SECRET},
        }
        added = await api(jp_fetch, "servers", method="POST", data=spec)
        assert host.requests, "the server was contacted"
        assert host.header_values("X-Api-Key") == [HEADER_SECRET] * len(host.requests)
    assert added["state"] == "error" and "401" in added["error"], added
    assert added["spec"]["url"] == host.url("/mcp?api_key=***&x=1", userinfo="me:***")
    frame = await servers_frame(sock, "web")
    assert_no_secret("REST answers", json.dumps([added, await api(jp_fetch, "servers")]))
    assert_no_secret("websocket frames", json.dumps([frame, *sock.seen]))
    assert "HTTP Request: POST" in caplog.text  # httpx logged the request URL ...
    assert_no_secret("the server log", caplog.text)  # ... without its secrets
    sock.ws.close()


async def test_a_put_to_another_host_does_not_send_it_the_stored_header(
    jp_fetch: Any, jp_serverapp: Any
) -> None:
    with recording_server() as good, recording_server() as evil:
        spec = {
            "name": "web",
            "transport": "streamable_http",
            "url": good.url(),
            "headers": {"Authorization": f"Bearer {HEADER_SECRET}"},
        }
        await api(jp_fetch, "servers", method="POST", data=spec)
        assert good.header_values("Authorization")[-1] == f"Bearer {HEADER_SECRET}"
        shown = (await api(jp_fetch, "servers", "web"))["spec"]
        assert shown["headers"] == {"Authorization": "***"}

        code, error = await refused(
            jp_fetch, "servers", "web", method="PUT", data={**shown, "url": evil.url()}
        )
        assert code == 400 and error["code"] == "bad_request"
        assert "re-enter the value of header Authorization" in error["message"]
        assert evil.requests == [], "the other host was never contacted"
        store = jp_serverapp.web_app.settings[ENGINE_KEY].parts.store
        user = next(iter(jp_serverapp.web_app.settings[ENGINE_KEY].registry._workspaces))
        assert (await store.get_server(user, "web")).url == good.url(), "nothing was saved"

        # the same host on another path: the stored header goes along
        moved = await api(jp_fetch, "servers", "web", method="PUT", data={**shown, "url": good.url("/v2")})
        assert moved["spec"]["url"] == good.url("/v2")
        assert good.requests[-1].path == "/v2"
        assert good.requests[-1].headers["Authorization"] == f"Bearer {HEADER_SECRET}"
        assert evil.requests == []


async def test_a_put_to_another_command_does_not_give_it_the_stored_env(
    jp_fetch: Any, tmp_path: Path
) -> None:
    marker = tmp_path / "env-of-the-new-command"
    spec = {
        "name": "local",
        "command": sys.executable,
        "args": [str(FAKES / "leaky_server.py")],
        "env": {"LEAKY_TOKEN": TOKEN},
    }
    await api(jp_fetch, "servers", method="POST", data=spec)
    shown = (await api(jp_fetch, "servers", "local"))["spec"]
    script = f"import os; open({str(marker)!r}, 'w').write(os.environ.get('LEAKY_TOKEN', ''))"
    code, error = await refused(
        jp_fetch, "servers", "local", method="PUT", data={**shown, "args": ["-c", script]}
    )
    assert code == 400
    assert "re-enter the value of env LEAKY_TOKEN: the arguments changed" in error["message"]
    assert not marker.exists(), "the new command never ran"
    # with the value re-entered the change goes through (and the command gets the new value)
    await api(
        jp_fetch, "servers", "local", method="PUT",
        data={**shown, "args": ["-c", script], "env": {"LEAKY_TOKEN": "fresh-value"}},
    )  # fmt: skip
    assert marker.read_text() == "fresh-value"


async def test_with_a_crypt_key_the_database_holds_no_secret_and_the_server_gets_it(
    jp_serverapp: Any, jp_fetch: Any
) -> None:
    fernet = pytest.importorskip("cryptography.fernet")
    engine = jp_serverapp.web_app.settings[ENGINE_KEY]
    engine.config.crypt_key = fernet.Fernet.generate_key().decode()  # (read when the engine starts)
    spec = {
        "name": "envy",
        "command": sys.executable,
        "args": [str(FAKES / "env_digest_server.py"), f"--api-key={KEY}"],
        "env": {"CRYPT_TEST_TOKEN": TOKEN},
    }
    added = await api(jp_fetch, "servers", method="POST", data=spec)
    assert added["state"] == "ready", added
    (tool,) = added["tools"]
    assert tool["description"] == f"sha256 {hashlib.sha256(TOKEN.encode()).hexdigest()}"
    on_disk = files_of(Path(engine.config.data_dir), "app.db*")
    assert b"envy" in on_disk and b"enc:" in on_disk
    assert TOKEN.encode() not in on_disk and KEY.encode() not in on_disk
