"""A FastMCP stdio server whose tools write down what really ran (``python tests/fakes/ledger_server.py LEDGER``).

The ledger file is the first argument (or ``$LEDGER_PATH``); every tool appends one line per event:

* ``record(label)`` -> ``record <label>``
* ``slow(seconds, label)`` -> ``start <label>``, then after ``seconds`` ``end <label>``; when the
  call is cancelled (the client sent ``notifications/cancelled``) ``cancelled <label>`` instead.

The server writes its PID to ``<ledger>.pids`` on start, so a test can end servers whose client
was killed (stdio servers run in their own session and outlive a SIGKILLed client).
Helpers :func:`ledger_lines` and :func:`await_line` read the ledger from tests.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

# skip jsonschema's optional rfc3987-syntax grammar build (~0.8 s per server start); unused here
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from mcp.server.fastmcp import FastMCP  # noqa: E402

HERE = Path(__file__).resolve()


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")
        f.flush()
        os.fsync(f.fileno())


def build_server(ledger: Path) -> FastMCP:
    mcp = FastMCP("ledger", log_level="WARNING")

    @mcp.tool()
    def record(label: str) -> str:
        """Write the label to the ledger."""
        _append(ledger, f"record {label}")
        return f"recorded {label}"

    @mcp.tool()
    async def slow(seconds: float, label: str) -> str:
        """Write 'start', sleep for the given seconds, write 'end' (or 'cancelled' when cancelled)."""
        _append(ledger, f"start {label}")
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            _append(ledger, f"cancelled {label}")
            raise
        _append(ledger, f"end {label}")
        return f"slept {seconds} for {label}"

    return mcp


def spec(ledger: Path, name: str = "ledger") -> dict[str, object]:
    """The ``client.add_server(**spec)`` fields of a ledger server writing to ``ledger``."""
    return {"name": name, "transport": "stdio", "command": sys.executable, "args": [str(HERE), str(ledger)]}


def ledger_lines(ledger: Path) -> list[str]:
    try:
        return ledger.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


async def await_line(ledger: Path, line: str, timeout: float = 30.0) -> list[str]:
    """Poll the ledger until ``line`` is in it (AssertionError after ``timeout`` s); its lines."""
    deadline = time.monotonic() + timeout
    while True:
        lines = ledger_lines(ledger)
        if line in lines:
            return lines
        if time.monotonic() > deadline:
            raise AssertionError(f"{line!r} not in the ledger within {timeout:g} s: {lines}")
        await asyncio.sleep(0.02)


def end_servers(ledger: Path) -> None:
    """SIGKILL every ledger server that wrote to ``<ledger>.pids`` and is still alive."""
    import signal

    pids = Path(f"{ledger}.pids")
    if not pids.exists():
        return
    for text in pids.read_text().split():
        try:  # only if the pid is still this server (pids are reused)
            if HERE.name in Path(f"/proc/{text}/cmdline").read_bytes().decode(errors="replace"):
                os.kill(int(text), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LEDGER_PATH")
    if not path:
        sys.exit("usage: ledger_server.py LEDGER (or set LEDGER_PATH)")
    ledger = Path(path)
    _append(Path(f"{ledger}.pids"), str(os.getpid()))
    build_server(ledger).run("stdio")


if __name__ == "__main__":
    main()
