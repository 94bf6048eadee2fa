"""A FastMCP stdio server whose one tool's description is the SHA-256 of ``$CRYPT_TEST_TOKEN``,
so a test can check what env value the server got without the value showing anywhere."""

from __future__ import annotations

import hashlib
import os
import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # (see mcp_stdio_server)

from mcp.server.fastmcp import FastMCP  # noqa: E402

digest = hashlib.sha256(os.environ.get("CRYPT_TEST_TOKEN", "").encode()).hexdigest()
mcp = FastMCP("env-digest", log_level="WARNING")


@mcp.tool(description=f"sha256 {digest}")
def noop() -> str:
    return "ok"


if __name__ == "__main__":
    mcp.run("stdio")
