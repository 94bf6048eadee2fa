"""The spec of the bundled offline demo MCP server (``python -m mcpchat_ext.demo.server``)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..protocol import ServerSpec

DEMO_SERVER_NAME = "demo"


def demo_server_spec() -> ServerSpec:
    """The bundled offline demo MCP server, run with the current interpreter."""
    from ..protocol import ServerSpec  # lazily: pydantic stays off the start-up path

    return ServerSpec(
        name=DEMO_SERVER_NAME,
        transport="stdio",
        command=sys.executable,
        args=["-m", "mcpchat_ext.demo.server"],
        # stdio servers get a minimal environment (no PYTHONPATH): run from the package's parent
        # directory so `-m mcpchat_ext.demo.server` resolves however the package was installed
        cwd=str(Path(__file__).resolve().parents[2]),
        description="Bundled demo tools (arithmetic, time, text) that work offline",
    )
