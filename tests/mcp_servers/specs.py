"""Server specs and process helpers shared by the connection tests."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil

from mcpchat_ext.protocol import ServerSpec

FAKES = Path(__file__).resolve().parents[1] / "fakes"


def fake_stdio_spec(name: str = "fake") -> ServerSpec:
    return ServerSpec(
        name=name, transport="stdio", command=sys.executable, args=[str(FAKES / "mcp_stdio_server.py")]
    )


def python_spec(name: str, code: str) -> ServerSpec:
    """A stdio "server" that runs ``code`` (to simulate broken servers)."""
    return ServerSpec(name=name, transport="stdio", command=sys.executable, args=["-c", code])


def demo_spec(name: str = "demo") -> ServerSpec:
    return ServerSpec(
        name=name, transport="stdio", command=sys.executable, args=["-m", "mcpchat_ext.demo.server"]
    )


def server_children(marker: str) -> list[psutil.Process]:
    """Live child processes of this test process whose command line contains ``marker``."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.status() != psutil.STATUS_ZOMBIE and marker in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            continue
    return found
