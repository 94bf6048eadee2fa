"""A logging filter that keeps the secrets of MCP server specs out of the server log.

Our own messages about servers are redacted where they are written (see
:func:`~.redact.redact_text`), but libraries log what they see too: the MCP SDK logs a stdio
server's unparseable output line with its traceback (a server that prints its token), httpx logs
every request URL (with its ``?api_key=``), aiosqlite's debug log shows the parameters of every
statement (the env values being saved). :class:`SecretLogFilter` is attached to those loggers
(and to ours); it replaces every secret value of the specs it was shown, and the secret parts of
any URL, in the message and the formatted traceback of each record.

A filter on a logger only sees records logged through that very logger (not its children), so
:meth:`SecretLogFilter.install` attaches it to every existing logger under :data:`GUARDED`; the
engine installs it after importing its modules, when those loggers exist.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from ..protocol import ServerSpec
from .redact import scrub, secret_values

# logger name prefixes: ours, the MCP SDK's ("client" is mcp.client.session's), the HTTP clients',
# and the database drivers' (their debug logs show the parameters of every statement)
GUARDED = (
    "mcpchat_ext", "mcp", "client", "httpx", "httpcore", "langchain_mcp_adapters", "aiosqlite",
    "sqlalchemy", "openai", "anthropic", "langchain_openai", "langchain_anthropic",
)  # fmt: skip


def _guarded(name: str) -> bool:
    return any(name == p or name.startswith(f"{p}.") for p in GUARDED)


class SecretLogFilter(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._values: set[str] = set()
        self._loggers: list[logging.Logger] = []

    def remember(self, spec: ServerSpec) -> None:
        """Keep the secret values of ``spec`` out of the log from now on."""
        self._values |= secret_values(spec)

    def remember_values(self, values: Iterable[str]) -> None:
        """Keep these values (e.g. the model catalog's API keys) out of the log from now on."""
        self._values |= {v for v in values if len(v) >= 4}

    def install(self) -> None:
        names = [n for n in list(logging.root.manager.loggerDict) if _guarded(n)]
        for name in sorted({*names, *GUARDED}):
            logger = logging.getLogger(name)
            if self not in logger.filters:
                logger.addFilter(self)
                self._loggers.append(logger)

    def uninstall(self) -> None:
        for logger in self._loggers:
            logger.removeFilter(self)
        self._loggers.clear()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error report
            return True
        clean = scrub(message, self._values)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = scrub(text, self._values), None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text, self._values)
        return True
