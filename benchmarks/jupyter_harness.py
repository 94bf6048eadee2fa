"""Processes and clients the stack benchmarks share: the fake OpenAI server, a real `jupyter server`
with the extension, and a websocket chat client speaking mcpchat_ext.protocol frames."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from stats import ROOT, now
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tests.fakes.ports import free_port
from tests.server.wsclient import ChatSocket as TestChatSocket


@dataclass
class FakeLLM:
    """``python -m tests.fakes.openai_server`` in a subprocess, scripted over HTTP."""

    proc: asyncio.subprocess.Process
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @classmethod
    async def start(cls) -> FakeLLM:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.fakes.openai_server", "--port", "0",
            cwd=ROOT, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        if not line.startswith("PORT "):
            raise RuntimeError(f"fake OpenAI server did not start: {line!r}")
        return cls(proc, int(line.split()[1]))

    async def queue(self, *replies: dict[str, Any]) -> None:
        async with httpx.AsyncClient() as client:
            r = await client.post(f"http://127.0.0.1:{self.port}/_fake/queue", json=list(replies))
            r.raise_for_status()

    async def stop(self) -> None:
        await stop_process(self.proc)


async def stop_process(proc: asyncio.subprocess.Process, grace: float = 10.0) -> None:
    if proc.returncode is None:
        proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()


def jupyter_env(
    tmp: Path, *, enabled: bool = True, llm: FakeLLM | None = None, **mcpchat: Any
) -> dict[str, str]:
    """Environment of an isolated `jupyter server`: config/data/runtime dirs under ``tmp``."""
    config_dir = tmp / "config"
    config_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "ServerApp": {"jpserver_extensions": {"mcpchat_ext": enabled}, "allow_root": True},
        "MCPChatExtension": {"data_dir": str(tmp / "mcpchat"), "idle_timeout": 0, **mcpchat},
    }
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(config))
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(config_dir),
        JUPYTER_DATA_DIR=str(tmp / "data"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        MCPCHAT_DATA_DIR=str(tmp / "mcpchat"),
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    if llm is not None:
        env.update(OPENAI_API_KEY="test", OPENAI_BASE_URL=llm.base_url, MCPCHAT_MODEL="fake-model")
    else:
        env.pop("OPENAI_API_KEY", None)
    return env


@dataclass
class JupyterServer:
    proc: asyncio.subprocess.Process
    port: int
    token: str
    started_in: float  # seconds from spawn to the first 200 on /api/status
    tmp: tempfile.TemporaryDirectory[str] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    async def start(
        cls, *, enabled: bool = True, llm: FakeLLM | None = None, timeout: float = 60, **mcpchat: Any
    ) -> JupyterServer:
        tmp = tempfile.TemporaryDirectory(prefix="bench-jupyter-")
        env = jupyter_env(Path(tmp.name), enabled=enabled, llm=llm, **mcpchat)
        port, token = free_port(), secrets.token_hex(16)
        (Path(tmp.name) / "root").mkdir()
        t0 = now()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "jupyter_server", "--no-browser", f"--port={port}",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={Path(tmp.name) / 'root'}",
            cwd=ROOT, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}/api/status"
        async with httpx.AsyncClient() as client:
            while True:
                if proc.returncode is not None:
                    raise RuntimeError(f"jupyter server exited with {proc.returncode}")
                try:
                    r = await client.get(url, headers={"Authorization": f"token {token}"}, timeout=5)
                    if r.status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if now() - t0 > timeout:
                    await stop_process(proc)
                    raise RuntimeError("jupyter server did not answer /api/status")
                await asyncio.sleep(0.005)
        return cls(proc, port, token, now() - t0, tmp)

    async def stop(self) -> None:
        await stop_process(self.proc)
        if self.tmp is not None:
            self.tmp.cleanup()

    async def chat_socket(self) -> ChatSocket:
        return await ChatSocket.connect(f"ws://127.0.0.1:{self.port}/mcpchat/ws?token={self.token}")


class ChatSocket(TestChatSocket):
    """The chat websocket (RPC calls as in the server tests) plus timed turns."""

    def __init__(self, ws: WebSocketClientConnection) -> None:
        self.token_frames = 0
        super().__init__(ws)
        self.welcome: dict[str, Any] = {}

    @classmethod
    async def connect(cls, url: str) -> ChatSocket:
        sock = cls(await websocket_connect(url, max_message_size=16 * 1024 * 1024))
        sock.welcome = await sock.recv()
        assert sock.welcome["type"] == "welcome", sock.welcome
        return sock

    async def recv(self, timeout: float = 120) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.read_message(), timeout)
        if raw is None:
            raise ConnectionError("websocket closed")
        frame: dict[str, Any] = json.loads(raw)  # not kept: a benchmark reads many thousands
        return frame

    async def turn(self, chat_id: str, text: str) -> tuple[float, float, int, str]:
        """Send a message; (time to first token, total time to done, words streamed, final frame type).

        Words, not token frames: the extension joins tokens that arrive within a few ms into one
        frame (``token_coalesce_ms``); ``self.token_frames`` counts the frames of the last turn.
        """
        t0 = now()
        await self.send({"type": "send", "chat_id": chat_id, "text": text})
        first = None
        parts: list[str] = []
        self.token_frames = 0
        while True:
            frame = await self.recv()
            if frame.get("chat_id") != chat_id:
                continue
            kind = frame["type"]
            if kind == "token":
                parts.append(frame["text"])
                self.token_frames += 1
                if first is None:
                    first = now() - t0
            elif kind in ("done", "error", "approval_required", "stopped"):
                total = now() - t0
                words = len("".join(parts).split())
                return (first if first is not None else total), total, words, kind

    def close(self) -> None:
        self.ws.close()
