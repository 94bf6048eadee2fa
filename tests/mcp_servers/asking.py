"""Specs of the asking server (tests/fakes/asking_server.py): elicitation and sampling."""

from __future__ import annotations

import sys

from mcpchat_ext.protocol import ServerSpec
from tests.mcp_servers.specs import FAKES


def asking_spec(name: str = "asking", env: dict[str, str] | None = None) -> ServerSpec:
    args = [str(FAKES / "asking_server.py")]
    return ServerSpec(name=name, command=sys.executable, args=args, env=env or {})
