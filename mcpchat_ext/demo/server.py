"""The bundled demo MCP server "demo" (stdio): ``python -m mcpchat_ext.demo.server``.

Small, safe tools to try the approval flow without installing anything. It imports only the MCP
SDK (not the Jupyter stack), so it starts fast.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# jsonschema (imported by the MCP SDK) builds rfc3987-syntax's lark grammar on import (~0.8 s);
# its "iri" format check is never used here, so this server process skips that optional module.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

from mcp.server.fastmcp import FastMCP  # noqa: E402

mcp = FastMCP(
    "demo",
    instructions="Demo tools: arithmetic, the current time, word counts and dice rolls.",
    log_level="WARNING",
)


def _number(value: float) -> int | float:
    """A whole number as an int (2 + 3 is 5, not 5.0)."""
    return int(value) if float(value).is_integer() and abs(value) < 2**53 else value


@mcp.tool()
def add(a: float, b: float) -> int | float:
    """Add two numbers and return the sum a + b."""
    return _number(a + b)


@mcp.tool()
def multiply(a: float, b: float) -> int | float:
    """Multiply two numbers and return the product a * b."""
    return _number(a * b)


@mcp.tool()
def current_time(timezone: str = "UTC") -> str:
    """The current date and time (ISO 8601) in an IANA time zone such as 'Europe/Berlin'."""
    try:
        tz = dt_timezone.utc if timezone.upper() == "UTC" else ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r} (use an IANA name like 'Europe/Paris')") from exc
    return datetime.now(tz).isoformat(timespec="seconds")


@mcp.tool()
def word_count(text: str) -> dict[str, int]:
    """Count the words, characters and lines of a text."""
    return {"words": len(text.split()), "characters": len(text), "lines": len(text.splitlines())}


@mcp.tool()
def roll_dice(sides: int = 6, count: int = 1) -> str:
    """Roll `count` dice with `sides` sides each (1-100 dice, 2-1000 sides); returns rolls and total."""
    if not 1 <= count <= 100 or not 2 <= sides <= 1000:
        raise ValueError("count must be 1-100 and sides 2-1000")
    rolls = [random.randint(1, sides) for _ in range(count)]  # not for security
    return f"rolled {count}d{sides}: {', '.join(map(str, rolls))} (total {sum(rolls)})"


def main() -> None:
    mcp.run("stdio")


if __name__ == "__main__":
    main()
