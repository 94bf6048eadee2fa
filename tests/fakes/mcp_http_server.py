"""The fake FastMCP server of :mod:`tests.fakes.mcp_stdio_server` over HTTP, in a subprocess.

One uvicorn app serves streamable HTTP at ``/mcp`` and SSE at ``/sse`` on a free port.
``start_http_server()`` starts it and waits until it answers; ``python -m tests.fakes.mcp_http_server``
runs it (it prints ``PORT <n>`` once listening).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class HttpServer:
    process: subprocess.Popen[str]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def mcp_url(self) -> str:
        return f"{self.base}/mcp"

    @property
    def sse_url(self) -> str:
        return f"{self.base}/sse"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


def _serve(module: str = "tests.fakes.mcp_stdio_server") -> None:
    import importlib

    import anyio
    import uvicorn

    build_server = importlib.import_module(module).build_server
    mcp = build_server("fake-http")
    app = mcp.streamable_http_app()  # /mcp; its lifespan runs the session manager
    app.router.routes.extend(mcp.sse_app().routes)  # /sse and /messages/
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    anyio.run(lambda: server.serve(sockets=[sock]))


def start_http_server(timeout: float = 30.0, module: str = "tests.fakes.mcp_stdio_server") -> HttpServer:
    """Start the server (``module``'s ``build_server``) in a subprocess; wait until it answers."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.mcp_http_server", module],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise RuntimeError(f"fake MCP HTTP server failed to start: {line!r}")
    server = HttpServer(proc, int(line.split()[1]))
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(f"{server.base}/health-probe", timeout=1.0)
            return server
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError("fake MCP HTTP server did not become ready")
        time.sleep(0.05)


@contextlib.contextmanager
def running_http_server(module: str = "tests.fakes.mcp_stdio_server") -> Iterator[HttpServer]:
    server = start_http_server(module=module)
    try:
        yield server
    finally:
        server.stop()


if __name__ == "__main__":
    _serve(*sys.argv[1:2])
