"""Masked values sent back by a client (``***``), restored only for the destination they were for.

A client only ever sees masked specs (:func:`~.redact.mask_spec`), so an edit form sends ``***``
back where the user left a secret alone. :func:`restore_secrets` takes those values from the
stored spec, but only where they go to the same place as before:

* an env value only when the transport, the command and the arguments are unchanged (the stored
  value must not reach another program);
* a header value, the URL's userinfo or a secret query value only when the URL's scheme, host and
  port are unchanged (the stored credential must not be sent to another host);
* a masked argument only when the command is unchanged and the argument is at the same position.

Otherwise the update is refused with a BadRequest naming the field to re-enter.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from ..errors import BadRequest
from ..protocol import ServerSpec
from .redact import MASK, mask_args, mask_url

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(parts: SplitResult) -> tuple[str, str, int | None]:
    try:
        port = parts.port
    except ValueError:
        port = None
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), port or _DEFAULT_PORTS.get(scheme)


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def same_origin(a: str | None, b: str | None) -> bool:
    """Whether two URLs reach the same scheme, host and port."""
    pa, pb = _split(a or ""), _split(b or "")
    return pa is not None and pb is not None and bool(pa.hostname) and _origin(pa) == _origin(pb)


class _Restorer:
    def __init__(self, new: ServerSpec, old: ServerSpec) -> None:
        self.new = new
        self.old = old

    def refuse(self, what: str, why: str) -> BadRequest:
        return BadRequest(f"MCP server '{self.new.name}': re-enter the value of {what}: {why}")

    def unknown(self, what: str) -> BadRequest:
        return BadRequest(
            f"MCP server '{self.new.name}': {what} holds the masked value '{MASK}' "
            "but no value is stored for it: enter the real value"
        )

    # -- stdio ------------------------------------------------------------------------------

    def program_change(self) -> str | None:
        """Why the stored env must not follow (None: same program)."""
        new, old = self.new, self.old
        if new.transport != old.transport:
            return "the transport changed"
        if (new.command or "").strip() != (old.command or "").strip():
            return "the command changed"
        return None

    def args(self) -> list[str]:
        shown = mask_args(self.old.args)
        why = self.program_change()
        restored = []
        for i, arg in enumerate(self.new.args):
            if MASK in arg:
                what = f"argument {i + 1} ({arg!r})"
                if i >= len(shown) or shown[i] != arg or shown[i] == self.old.args[i]:
                    raise self.unknown(what)
                if why is not None:
                    raise self.refuse(what, why)
                arg = self.old.args[i]
            restored.append(arg)
        return restored

    def env(self, args: list[str]) -> dict[str, str]:
        why = self.program_change() or (None if args == self.old.args else "the arguments changed")
        env = {}
        for key, value in self.new.env.items():
            if value == MASK:
                if key not in self.old.env:
                    raise self.unknown(f"env {key}")
                if why is not None:
                    raise self.refuse(f"env {key}", why)
                value = self.old.env[key]
            env[key] = value
        return env

    # -- HTTP -------------------------------------------------------------------------------

    def host_change(self, url: str | None) -> str | None:
        """Why stored credentials must not go to ``url`` (None: same scheme, host and port)."""
        if self.new.transport == "stdio" or self.old.transport == "stdio":
            return "the transport changed"
        if not same_origin(url, self.old.url):
            return "the URL's scheme, host or port changed"
        return None

    def url(self) -> str | None:
        url, old = self.new.url, self.old.url
        if not url or MASK not in url:
            return url
        if old and url == mask_url(old) and self.host_change(old) is None:
            return old
        why = self.host_change(url)
        parts, old_parts = _split(url), _split(old or "")
        if parts is None or old_parts is None:
            raise self.unknown("the URL")
        netloc = parts.netloc
        if "@" in netloc and MASK in netloc.rsplit("@", 1)[0]:
            if why is not None:
                raise self.refuse("the URL's user name or password", why)
            if "@" not in old_parts.netloc:
                raise self.unknown("the URL's user name or password")
            netloc = f"{old_parts.netloc.rsplit('@', 1)[0]}@{netloc.rsplit('@', 1)[1]}"
        query = self.params(parts.query, old_parts.query, why)
        fragment = self.params(parts.fragment, old_parts.fragment, why)
        restored = parts._replace(netloc=netloc, query=query, fragment=fragment).geturl()
        if MASK in restored:
            raise self.unknown("the URL")
        return restored

    def params(self, params: str, old_params: str, why: str | None) -> str:
        if MASK not in params:
            return params
        stored: dict[str, str] = {}
        for piece in old_params.split("&"):
            name, _, value = piece.partition("=")
            stored.setdefault(name, value)
        pieces = []
        for piece in params.split("&"):
            name, eq, value = piece.partition("=")
            if eq and value == MASK:
                what = f"the URL parameter '{name}'"
                if why is not None:
                    raise self.refuse(what, why)
                if name not in stored:
                    raise self.unknown(what)
                piece = f"{name}={stored[name]}"
            pieces.append(piece)
        return "&".join(pieces)

    def headers(self, url: str | None) -> dict[str, str]:
        why = self.host_change(url)
        headers = {}
        for key, value in self.new.headers.items():
            if value == MASK:
                if key not in self.old.headers:
                    raise self.unknown(f"header {key}")
                if why is not None:
                    raise self.refuse(f"header {key}", why)
                value = self.old.headers[key]
            headers[key] = value
        return headers


def restore_secrets(new: ServerSpec, old: ServerSpec) -> ServerSpec:
    """``new`` with every ``***`` taken from ``old`` where the destination is unchanged.

    BadRequest names the field to re-enter when it is not (see the module docstring)."""
    restorer = _Restorer(new, old)
    args = restorer.args()
    env = restorer.env(args)
    url = restorer.url()
    headers = restorer.headers(url)
    return new.model_copy(update={"args": args, "env": env, "url": url, "headers": headers})
