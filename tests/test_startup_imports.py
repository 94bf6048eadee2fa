"""What loading the extension imports: the Jupyter server waits for it at start-up, so the heavy
libraries (the MCP SDK: 0.4 s; LangChain, LangGraph, the model clients, SQLAlchemy) must come
with the first chat, not with the extension (benchmarks/bench_startup.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("mcp", "langchain_core", "langgraph", "openai", "sqlalchemy", "pydantic", "httpx", "aiosqlite")


def test_loading_the_extension_and_its_jupyter_tools_imports_none_of_the_heavy_libraries() -> None:
    code = (
        "import sys, json, jupyter_server.serverapp, mcpchat_ext.app, mcpchat_ext.jupyter_tools\n"
        f"print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
