"""Server configurations: validation, Claude-Desktop import, adapter connections, secret masking."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext.errors import BadRequest
from mcpchat_ext.mcp_servers.specs import (
    MASK,
    mask_secrets,
    parse_claude_config,
    restore_secrets,
    to_connection,
    validate_spec,
)
from mcpchat_ext.protocol import ServerSpec


def spec(**data: Any) -> ServerSpec:
    return ServerSpec.model_validate({"name": "s", **data})


def test_validate_stdio_and_http() -> None:
    assert validate_spec(spec(command="  uvx ", args=["x"])).command == "uvx"
    assert validate_spec(spec(transport="sse", url=" https://h/sse ")).url == "https://h/sse"
    assert validate_spec(spec(transport="streamable_http", url="http://localhost:8000/mcp")).url


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "MCP server 's': a stdio server needs a 'command'"),
        ({"command": "   "}, "a stdio server needs a 'command'"),
        ({"command": "x", "url": "http://h"}, "a stdio server takes a 'command', not a 'url'"),
        ({"command": "x", "headers": {"A": "b"}}, "'headers' only apply to HTTP/SSE servers"),
        ({"transport": "sse"}, "a sse server needs a 'url'"),
        ({"transport": "sse", "url": "file:///etc/passwd"}, "'url' must be an http(s) URL"),
        ({"transport": "streamable_http", "url": "http://"}, "'url' must be an http(s) URL"),
        ({"transport": "sse", "url": "http://h", "command": "x"}, "takes a 'url', not a 'command'"),
        ({"transport": "sse", "url": "http://h", "env": {"A": "1"}}, "only apply to stdio servers"),
    ],
)
def test_validate_rejects_bad_specs(data: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_spec(spec(**data))


def test_parse_claude_config() -> None:
    doc = {
        "mcpServers": {
            "time": {"command": "uvx", "args": ["mcp-server-time", 3], "env": {"TZ": "UTC", "N": 1}},
            "web": {"url": "https://example.com/mcp", "headers": {"Authorization": "Bearer t"}},
            "events": {"type": "sse", "url": "http://localhost:9/sse"},
            "off": {"command": "x", "disabled": True, "autoApprove": ["a"]},
            "here": {"command": "x", "cwd": "/tmp", "description": "local"},
        }
    }
    specs = {s.name: s for s in parse_claude_config(doc)}
    assert specs["time"].transport == "stdio"
    assert specs["time"].args == ["mcp-server-time", "3"]
    assert specs["time"].env == {"TZ": "UTC", "N": "1"}
    assert specs["web"].transport == "streamable_http"
    assert specs["web"].headers == {"Authorization": "Bearer t"}
    assert specs["events"].transport == "sse"
    assert specs["off"].enabled is False
    assert (specs["here"].cwd, specs["here"].description) == ("/tmp", "local")
    # VS Code's "servers" key is accepted too
    assert [s.name for s in parse_claude_config({"servers": {"a": {"command": "x"}}})] == ["a"]
    assert parse_claude_config({"mcpServers": {}}) == []


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "must be a JSON object"),
        ({}, "must contain an 'mcpServers' object"),
        ({"mcpServers": []}, "must contain an 'mcpServers' object"),
        ({"mcpServers": {"a": "uvx"}}, "MCP server 'a': the entry must be an object"),
        ({"mcpServers": {"a": {}}}, "needs 'command' \\(stdio server\\) or 'url'"),
        ({"mcpServers": {"a": {"command": "x", "url": "http://h"}}}, "not both"),
        ({"mcpServers": {"a": {"command": ""}}}, "'command' must be a non-empty string"),
        ({"mcpServers": {"a": {"command": "x", "args": "y"}}}, "'args' must be a list of strings"),
        ({"mcpServers": {"a": {"command": "x", "env": {"K": True}}}}, "'env.K' must be a string"),
        ({"mcpServers": {"a": {"command": "x", "bogus": 1}}}, "unknown key\\(s\\): bogus"),
        ({"mcpServers": {"a": {"url": "http://h", "type": "ws"}}}, "unknown transport 'ws'"),
        ({"mcpServers": {"a": {"url": "ftp://h"}}}, "'url' must be an http\\(s\\) URL"),
        ({"mcpServers": {"a": {"url": "http://h", "args": []}}}, "takes 'url', not 'command'"),
        ({"mcpServers": {"bad name!": {"command": "x"}}}, "MCP server 'bad name!': name"),
    ],
)
def test_parse_claude_config_errors(doc: Any, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        parse_claude_config(doc)


def test_to_connection() -> None:
    stdio = spec(command="python", args=["-m", "x"], env={"K": "v"}, cwd="/tmp")
    assert to_connection(stdio) == {
        "transport": "stdio",
        "command": "python",
        "args": ["-m", "x"],
        "env": {"K": "v"},
        "cwd": "/tmp",
    }
    assert to_connection(spec(command="python")) == {"transport": "stdio", "command": "python", "args": []}
    http = spec(transport="streamable_http", url="http://h/mcp", headers={"A": "b"})
    assert to_connection(http) == {
        "transport": "streamable_http",
        "url": "http://h/mcp",
        "headers": {"A": "b"},
    }
    assert to_connection(spec(transport="sse", url="http://h/sse")) == {
        "transport": "sse",
        "url": "http://h/sse",
    }


def test_mask_and_restore_secrets() -> None:
    original = spec(
        transport="streamable_http",
        url="https://user:pw@h/mcp",
        headers={"Authorization": "Bearer secret"},
    )
    masked = mask_secrets(original)
    assert masked.headers == {"Authorization": MASK}
    assert masked.url == f"https://user:{MASK}@h/mcp"
    assert "secret" not in masked.model_dump_json() and "pw" not in masked.model_dump_json()
    assert original.headers == {"Authorization": "Bearer secret"}  # the original is untouched
    assert restore_secrets(masked, original) == original

    stdio = spec(command="x", env={"TOKEN": "t0p", "MODE": "a"})
    masked_stdio = mask_secrets(stdio)
    assert masked_stdio.env == {"TOKEN": MASK, "MODE": MASK}
    edited = masked_stdio.model_copy(update={"env": {"TOKEN": MASK, "MODE": "b", "NEW": "n"}})
    assert restore_secrets(edited, stdio).env == {"TOKEN": "t0p", "MODE": "b", "NEW": "n"}
    assert mask_secrets(spec(transport="sse", url="http://h/sse")).url == "http://h/sse"
