"""A FastMCP stdio server whose tools have the names given on its command line (any string: odd
characters, HTML, ``../``, unicode, 70+ characters). Every tool answers which server and tool ran,
and appends that to the ledger file named by ``--ledger``, so tests can tell what really ran.

    python tests/fakes/named_tools_server.py --server a --ledger /tmp/ledger b_c "x y"
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from mcp.server.fastmcp import FastMCP  # noqa: E402


def build(server: str, tools: list[str], ledger: Path) -> FastMCP:
    mcp = FastMCP(server, log_level="WARNING")
    for name in tools:
        mcp.add_tool(
            _tool(server, name, ledger), name=name, description=f"Tool {name!r} of server {server!r}."
        )
    return mcp


def _tool(server: str, name: str, ledger: Path) -> Any:
    def run(note: str = "") -> str:
        line = f"{server}:{name}:{note}"
        with ledger.open("a", encoding="utf-8") as f:
            f.write(line + "\n")
        return f"ran {line}"

    return run


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--server", required=True)
    args.add_argument("--ledger", required=True)
    args.add_argument("tools", nargs="+")
    ns: Any = args.parse_args(argv)
    build(ns.server, ns.tools, Path(ns.ledger)).run("stdio")


if __name__ == "__main__":
    main()
