"""The published ``@modelcontextprotocol/server-everything`` (npm, tests/published/) over stdio,
streamable HTTP and SSE. Without ``npm install --prefix tests/published`` the tests skip."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mcpchat_ext.protocol import ServerSpec
from tests.fakes.ports import free_port

PUBLISHED = Path(__file__).resolve().parents[1] / "published"
EVERYTHING = PUBLISHED / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
NODE = shutil.which("node")


def require_everything() -> str:
    if NODE is None or not EVERYTHING.exists():
        pytest.skip("server-everything is not installed: run `npm install --prefix tests/published`")
    return NODE


def stdio_spec(name: str = "everything") -> ServerSpec:
    return ServerSpec(name=name, command=require_everything(), args=[str(EVERYTHING), "stdio"])


def _wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError("server-everything did not start listening")


@contextlib.contextmanager
def running_everything(transport: str) -> Iterator[ServerSpec]:
    """server-everything over ``streamableHttp`` or ``sse`` in a subprocess, as a spec."""
    node = require_everything()
    port = free_port()
    env = {**os.environ, "PORT": str(port)}
    proc = subprocess.Popen([node, str(EVERYTHING), transport], env=env, stderr=subprocess.DEVNULL)
    try:
        _wait_port(port, proc)
        if transport == "sse":
            yield ServerSpec(name="everything", transport="sse", url=f"http://127.0.0.1:{port}/sse")
        else:
            yield ServerSpec(
                name="everything", transport="streamable_http", url=f"http://127.0.0.1:{port}/mcp"
            )
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
