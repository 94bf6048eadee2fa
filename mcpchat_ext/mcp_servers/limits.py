"""Size and content limits of MCP server specs, checked before anything is stored or started.

A spec is refused at once (BadRequest, HTTP 400, naming the field and the limit) when it has

* more than 100 ``env`` variables, a value over 32 KiB, or more than 64 KiB of names and values
  in total; a name that is empty or longer than 256 characters, or contains ``=``;
* more than 50 ``headers``, a value over 8 KiB, or more than 32 KiB in total; a name that is not
  an HTTP token (letters, digits and ``!#$%&'*+-.^_`|~``);
* more than 200 ``args`` or more than 64 KiB of them in total;
* a ``command``, ``url``, ``cwd`` or ``description`` over 4 KiB;
* a NUL character anywhere, or a line break in a header value (header injection).

An import takes at most 100 servers. Sizes are counted in UTF-8 bytes. The limits are far above
what real servers need and keep a single request from filling the database or the process table.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..errors import BadRequest
from ..protocol import ServerSpec

KIB = 1024
MAX_ENV_KEYS, MAX_ENV_VALUE, MAX_ENV_TOTAL = 100, 32 * KIB, 64 * KIB
MAX_HEADERS, MAX_HEADER_VALUE, MAX_HEADERS_TOTAL = 50, 8 * KIB, 32 * KIB
MAX_ARGS, MAX_ARGS_TOTAL = 200, 64 * KIB
MAX_FIELD = 4 * KIB  # command, url, cwd, description
MAX_NAME = 256  # env and header names
MAX_IMPORT = 100

_HTTP_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _size(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _kib(n: int) -> str:
    return f"{n // KIB} KiB"


class _Checker:
    def __init__(self, spec: ServerSpec) -> None:
        self.name = spec.name

    def fail(self, msg: str) -> BadRequest:
        return BadRequest(f"MCP server '{self.name}': {msg}")

    def count(self, what: str, n: int, most: int) -> None:
        if n > most:
            raise self.fail(f"{what} has {n} entries; at most {most} are allowed")

    def size(self, what: str, text: str, most: int) -> int:
        if len(text) > most or _size(text) > most:  # (len first: no encoding of 10 MB strings)
            raise self.fail(f"{what} is longer than {_kib(most)} (the limit)")
        if "\x00" in text:
            raise self.fail(f"{what} contains a NUL character")
        return _size(text)

    def total(self, what: str, sizes: Iterable[int], most: int) -> None:
        if sum(sizes) > most:
            raise self.fail(f"{what} are larger than {_kib(most)} in total (the limit)")


def check_limits(spec: ServerSpec) -> None:
    """BadRequest naming the first field of ``spec`` over a limit (see the module docstring)."""
    c = _Checker(spec)
    for field in ("command", "url", "cwd", "description"):
        value = getattr(spec, field)
        if value:
            c.size(f"'{field}'", value, MAX_FIELD)

    c.count("'env'", len(spec.env), MAX_ENV_KEYS)
    sizes = []
    for key, value in spec.env.items():
        if not key or len(key) > MAX_NAME or "=" in key:
            raise c.fail(f"env names must be 1-{MAX_NAME} characters without '=', got {key[:40]!r}")
        sizes += [c.size(f"env name {key[:40]!r}", key, MAX_NAME), c.size(f"env {key}", value, MAX_ENV_VALUE)]
    c.total("the env names and values", sizes, MAX_ENV_TOTAL)

    c.count("'headers'", len(spec.headers), MAX_HEADERS)
    sizes = []
    for key, value in spec.headers.items():
        if len(key) > MAX_NAME or not _HTTP_TOKEN.fullmatch(key):
            raise c.fail(f"{key[:40]!r} is not a valid HTTP header name")
        sizes += [_size(key), c.size(f"header {key}", value, MAX_HEADER_VALUE)]
        if "\r" in value or "\n" in value:
            raise c.fail(f"header {key} contains a line break")
    c.total("the headers", sizes, MAX_HEADERS_TOTAL)

    c.count("'args'", len(spec.args), MAX_ARGS)
    c.total(
        "the args",
        (c.size(f"argument {i + 1}", a, MAX_ARGS_TOTAL) for i, a in enumerate(spec.args)),
        MAX_ARGS_TOTAL,
    )


def check_import_size(count: int) -> None:
    if count > MAX_IMPORT:
        raise BadRequest(f"an import takes at most {MAX_IMPORT} MCP servers, got {count}")
