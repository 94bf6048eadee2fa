"""MCP stdio tool-call latency: persistent session (ours) vs a new session per call (adapters' default).

Both sides call the ``echo`` tool of the same FastMCP stdio server (tests/fakes/mcp_stdio_server.py)
through a LangChain tool's ``ainvoke``:

* ours: ``MCPConnectionManager.get_tools()`` once, then N calls over the one persistent session;
* baseline: ``MultiServerMCPClient.get_tools()`` (no session given), whose tools open a new session,
  i.e. start a new server process, for every call.

Target: ours >= 100x faster at p50, and ours p50 < 5 ms.

    python benchmarks/bench_mcp_calls.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from stats import ROOT, ms, now, pct, table, verdict

SERVER = str(ROOT / "tests" / "fakes" / "mcp_stdio_server.py")


async def ours(n: int) -> list[float]:
    from mcpchat_ext.mcp_servers.manager import MCPConnectionManager
    from mcpchat_ext.protocol import ServerSpec

    spec = ServerSpec(name="fake", transport="stdio", command=sys.executable, args=[SERVER])
    mgr = MCPConnectionManager(tool_timeout=30, connect_timeout=30, max_output_chars=20_000)
    try:
        tools = {t.name: t for _, t in await mgr.get_tools([spec])}
        echo = tools["fake_echo"]
        for _ in range(20):  # warm-up
            await echo.ainvoke({"text": "warm"})
        return await timed_calls(echo, n)
    finally:
        await mgr.aclose()


async def baseline(n: int) -> list[float]:
    from langchain_mcp_adapters.client import MultiServerMCPClient

    client = MultiServerMCPClient(
        {"fake": {"transport": "stdio", "command": sys.executable, "args": [SERVER]}}
    )
    tools = {t.name: t for t in await client.get_tools()}
    echo = tools["echo"]
    await echo.ainvoke({"text": "warm"})
    return await timed_calls(echo, n)


async def timed_calls(echo: Any, n: int) -> list[float]:
    """Seconds of each of ``n`` calls of an echo tool (checking every answer)."""
    times = []
    for i in range(n):
        t0 = now()
        out = await echo.ainvoke({"text": f"hello {i}"})
        times.append(now() - t0)
        assert f"hello {i}" in str(out), out
    return times


async def main(quick: bool) -> int:
    n_ours, n_base = (100, 3) if quick else (500, 10)
    ours_t = await ours(n_ours)
    base_t = await baseline(n_base)
    rows = []
    for label, t in (("persistent session (ours)", ours_t), ("session per call (adapters)", base_t)):
        rows.append([label, len(t), ms(pct(t, 50)), ms(pct(t, 95)), ms(max(t))])
    print(table(["MCP stdio echo call", "calls", "p50", "p95", "max"], rows))
    ratio50 = pct(base_t, 50) / pct(ours_t, 50)
    ratio95 = pct(base_t, 95) / pct(ours_t, 95)
    ok = ratio50 >= 100 and pct(ours_t, 50) < 0.005
    print(f"\nspeed-up p50: {ratio50:.0f}x   p95: {ratio95:.0f}x")
    print(f"target: >= 100x and ours p50 < 5 ms -> {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    sys.exit(asyncio.run(main(ap.parse_args().quick)))
