"""Keep-alive of the chat websocket: a client that stops answering pings is closed and its user's
workspace becomes idle, so the reaper can stop its MCP servers."""

from __future__ import annotations

import asyncio
import base64
import os
import struct
from typing import Any

import pytest

from mcpchat_ext.app import ENGINE_KEY
from mcpchat_ext.config import local_user

from .wsclient import ChatSocket


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    # jupyter_server's own keep-alive settings (milliseconds), shared with the kernel sockets
    return {"ServerApp": {"tornado_settings": {"ws_ping_interval": 100, "ws_ping_timeout": 300}}}


class SilentClient:
    """A websocket client that reads frames but never answers a ping (a vanished laptop)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def connect(cls, port: int, path: str, token: str) -> SilentClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Authorization: token {token}\r\n\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        return cls(reader, writer)

    async def frame(self) -> tuple[int, bytes] | None:
        """(opcode, payload) of the next server frame; None at the end of the stream."""
        try:
            first, second = await self.reader.readexactly(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack(">H", await self.reader.readexactly(2))[0]
            elif size == 127:
                size = struct.unpack(">Q", await self.reader.readexactly(8))[0]
            return first & 0x0F, await self.reader.readexactly(size)
        except (asyncio.IncompleteReadError, ConnectionError):
            return None

    def close(self) -> None:
        self.writer.close()


async def test_a_client_that_stops_answering_pings_is_closed_and_its_workspace_reaped(
    jp_serverapp: Any, jp_fetch: Any, jp_ws_fetch: Any, jp_http_port: int, jp_base_url: str
) -> None:
    engine = jp_serverapp.web_app.settings[ENGINE_KEY]
    await jp_fetch("mcpchat", "api", "chats")  # the engine is started: the welcome comes at once
    token = jp_serverapp.identity_provider.token
    silent = await SilentClient.connect(jp_http_port, f"{jp_base_url}mcpchat/ws", token)
    first = await silent.frame()
    while first is not None and first[0] == 0x9:  # pings may come before the welcome
        first = await silent.frame()
    assert first is not None and first[0] == 0x1 and b'"welcome"' in first[1]
    user = local_user()
    workspace = engine.registry._workspaces[user]
    assert workspace.busy, "a connected client keeps the workspace"

    answering = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))  # tornado answers pings itself
    assert (await answering.recv())["type"] == "welcome"
    answering.ws.close()
    assert await answering.ws.read_message() is None  # the server has answered the close: released

    opcodes = []
    while (frame := await asyncio.wait_for(silent.frame(), 30)) is not None:
        opcodes.append(frame[0])
        if frame[0] == 0x8:
            break
    assert 0x9 in opcodes, "the server pinged"
    assert opcodes[-1] == 0x8, "and closed the socket when no pong came"
    silent.close()

    assert not workspace.busy, "no subscriber left"
    engine.registry.idle_timeout = 1e-6
    assert await engine.registry.reap() == [user]


async def test_a_client_that_answers_pings_stays_connected(
    jp_serverapp: Any, jp_ws_fetch: Any, jp_http_port: int, jp_base_url: str
) -> None:
    token = jp_serverapp.identity_provider.token
    silent = await SilentClient.connect(jp_http_port, f"{jp_base_url}mcpchat/ws", token)
    answering = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    assert (await answering.recv())["type"] == "welcome"
    while (frame := await asyncio.wait_for(silent.frame(), 30)) is not None and frame[0] != 0x8:
        pass  # the silent one is closed after its missed pongs ...
    silent.close()
    # ... while the answering one, connected all that time, still works
    await answering.send({"type": "ping"})
    assert (await answering.recv())["type"] == "pong"
    answering.ws.close()
