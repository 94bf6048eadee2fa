"""Loopback ports for the test servers."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback TCP port that nothing listens on right now (so also one that refuses connections)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
