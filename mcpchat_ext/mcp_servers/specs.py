"""MCP server configurations: validation, Claude-Desktop / VS Code import, adapter connections.

``parse_claude_config`` accepts the ``{"mcpServers": {name: entry}}`` document of Claude Desktop
(VS Code's ``{"servers": {...}}`` too). An entry with ``command`` is a stdio server; an entry with
``url`` is a streamable-HTTP server unless ``transport``/``type`` says ``sse``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from pydantic import ValidationError

from ..errors import BadRequest
from ..protocol import ServerSpec
from .limits import check_limits
from .redact import MASK, mask_url
from .redact import mask_spec as mask_secrets
from .unmask import restore_secrets

__all__ = [
    "MASK",
    "mask_secrets",
    "parse_claude_config",
    "restore_secrets",
    "to_connection",
    "validate_spec",
]

_TRANSPORT_ALIASES = {
    "stdio": "stdio",
    "sse": "sse",
    "http": "streamable_http",
    "streamable_http": "streamable_http",
    "streamable-http": "streamable_http",
    "streamablehttp": "streamable_http",
}
_STDIO_KEYS = {"command", "args", "env", "cwd"}
_HTTP_KEYS = {"url", "headers"}
_COMMON_KEYS = {"transport", "type", "description", "enabled", "disabled"}
# Keys written by clients that carry no meaning for us; accepted and ignored.
_IGNORED_KEYS = {"autoApprove", "alwaysAllow", "timeout", "envFile", "gallery", "version"}


def _problem(name: str, msg: str) -> BadRequest:
    return BadRequest(f"MCP server '{name}': {msg}")


def validate_spec(spec: ServerSpec) -> ServerSpec:
    """Check that ``spec`` can be started; BadRequest names the server and the problem.

    The size limits of :mod:`.limits` come first, so an oversized spec costs nothing more."""
    check_limits(spec)
    if spec.transport == "builtin":
        if spec.command or spec.url or spec.args or spec.env or spec.cwd or spec.headers:
            raise _problem(spec.name, "a built-in server takes no command, url, args, env, cwd or headers")
        return spec
    if spec.transport == "stdio":
        if not spec.command or not spec.command.strip():
            raise _problem(spec.name, "a stdio server needs a 'command'")
        if spec.url:
            raise _problem(spec.name, "a stdio server takes a 'command', not a 'url'")
        if spec.headers:
            raise _problem(spec.name, "'headers' only apply to HTTP/SSE servers")
        return spec.model_copy(update={"command": spec.command.strip()})
    if not spec.url:
        raise _problem(spec.name, f"a {spec.transport} server needs a 'url'")
    url = urlparse(spec.url.strip())
    if url.scheme not in ("http", "https") or not url.netloc:
        raise _problem(spec.name, f"'url' must be an http(s) URL, got {mask_url(spec.url)!r}")
    if spec.command:
        raise _problem(spec.name, f"a {spec.transport} server takes a 'url', not a 'command'")
    if spec.env or spec.args or spec.cwd:
        raise _problem(spec.name, "'command', 'args', 'env' and 'cwd' only apply to stdio servers")
    return spec.model_copy(update={"url": spec.url.strip()})


def _str_list(name: str, key: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str | int | float) for v in value):
        raise _problem(name, f"'{key}' must be a list of strings")
    return [str(v) for v in value]


def _str_dict(name: str, key: str, value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _problem(name, f"'{key}' must be an object of strings")
    out: dict[str, str] = {}
    for k, v in value.items():
        if isinstance(v, bool) or not isinstance(v, str | int | float):
            raise _problem(name, f"'{key}.{k}' must be a string")
        out[k] = str(v)
    return out


def _entry_to_spec(name: str, entry: Any) -> ServerSpec:
    if not isinstance(entry, dict):
        raise _problem(name, "the entry must be an object with 'command' (stdio) or 'url' (HTTP/SSE)")
    unknown = set(entry) - _STDIO_KEYS - _HTTP_KEYS - _COMMON_KEYS - _IGNORED_KEYS
    if unknown:
        raise _problem(name, f"unknown key(s): {', '.join(sorted(unknown))}")
    declared = entry.get("transport", entry.get("type"))
    if declared is not None:
        if not isinstance(declared, str) or declared.lower() not in _TRANSPORT_ALIASES:
            raise _problem(
                name, f"unknown transport {declared!r} (expected stdio, http, streamable_http or sse)"
            )
        transport = _TRANSPORT_ALIASES[declared.lower()]
    elif "command" in entry and "url" in entry:
        raise _problem(name, "give either 'command' (stdio) or 'url' (HTTP/SSE), not both")
    elif "command" in entry:
        transport = "stdio"
    elif "url" in entry:
        transport = "streamable_http"
    else:
        raise _problem(name, "needs 'command' (stdio server) or 'url' (HTTP/SSE server)")

    data: dict[str, Any] = {"name": name, "transport": transport}
    if transport == "stdio":
        if "url" in entry or "headers" in entry:
            raise _problem(name, "a stdio server takes 'command', not 'url'/'headers'")
        command = entry.get("command")
        if not isinstance(command, str) or not command.strip():
            raise _problem(name, "'command' must be a non-empty string")
        data["command"] = command
        if "args" in entry:
            data["args"] = _str_list(name, "args", entry["args"])
        if "env" in entry and entry["env"] is not None:
            data["env"] = _str_dict(name, "env", entry["env"])
        if entry.get("cwd") is not None:
            if not isinstance(entry["cwd"], str):
                raise _problem(name, "'cwd' must be a string")
            data["cwd"] = entry["cwd"]
    else:
        if _STDIO_KEYS & set(entry):
            raise _problem(name, f"a {transport} server takes 'url', not 'command'/'args'/'env'/'cwd'")
        url = entry.get("url")
        if not isinstance(url, str) or not url.strip():
            raise _problem(name, "'url' must be a non-empty string")
        data["url"] = url
        if entry.get("headers") is not None:
            data["headers"] = _str_dict(name, "headers", entry["headers"])
    if "description" in entry:
        if not isinstance(entry["description"], str):
            raise _problem(name, "'description' must be a string")
        data["description"] = entry["description"]
    if "enabled" in entry:
        data["enabled"] = bool(entry["enabled"])
    if "disabled" in entry:
        data["enabled"] = not bool(entry["disabled"])
    try:
        spec = ServerSpec.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_url=False)
        )
        raise _problem(name, problems) from None
    return validate_spec(spec)


def parse_claude_config(doc: dict[str, Any]) -> list[ServerSpec]:
    """Servers of a Claude-Desktop (``mcpServers``) or VS Code (``servers``) config document."""
    if not isinstance(doc, dict):
        raise BadRequest("the MCP config must be a JSON object with an 'mcpServers' object")
    servers = doc.get("mcpServers", doc.get("servers"))
    if not isinstance(servers, dict):
        raise BadRequest("the MCP config must contain an 'mcpServers' object mapping names to servers")
    return [_entry_to_spec(str(name), entry) for name, entry in servers.items()]


def to_connection(spec: ServerSpec) -> dict[str, Any]:
    """The langchain-mcp-adapters ``Connection`` dict of ``spec`` (for ``MultiServerMCPClient``)."""
    if spec.transport == "builtin":
        return {"transport": "builtin", "name": spec.name}
    if spec.transport == "stdio":
        conn: dict[str, Any] = {"transport": "stdio", "command": spec.command, "args": list(spec.args)}
        if spec.env:
            conn["env"] = dict(spec.env)
        if spec.cwd:
            conn["cwd"] = spec.cwd
        return conn
    conn = {"transport": spec.transport, "url": spec.url}
    if spec.headers:
        conn["headers"] = dict(spec.headers)
    return conn
