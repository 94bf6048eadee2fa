"""Size and content limits of server specs: the largest allowed spec passes, one byte more fails."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext.errors import BadRequest
from mcpchat_ext.mcp_servers import limits
from mcpchat_ext.mcp_servers.specs import parse_claude_config, validate_spec
from mcpchat_ext.protocol import ServerSpec

KIB = 1024


def stdio(**data: Any) -> ServerSpec:
    return ServerSpec.model_validate({"name": "s", "command": "srv", **data})


def web(**data: Any) -> ServerSpec:
    return ServerSpec.model_validate({"name": "s", "transport": "sse", "url": "http://h/sse", **data})


def test_the_largest_allowed_specs_pass() -> None:
    validate_spec(stdio(env={f"K{i:02}": "v" * (600) for i in range(100)}))  # 100 keys, < 64 KiB
    validate_spec(stdio(env={"A": "v" * (32 * KIB), "B": "w" * (31 * KIB)}))
    validate_spec(stdio(args=["a" * 320] * 200))  # 200 args, 62.5 KiB
    validate_spec(stdio(command="c" * (4 * KIB), cwd="d" * (4 * KIB), description="e" * (4 * KIB)))
    validate_spec(web(headers={f"H{i}": "v" * 600 for i in range(50)}))
    validate_spec(web(headers={"Authorization": "v" * (8 * KIB)}))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (stdio(env={f"K{i}": "v" for i in range(101)}), "'env' has 101 entries; at most 100"),
        (stdio(env={"A": "v" * (32 * KIB + 1)}), "env A is longer than 32 KiB"),
        (stdio(env={"A": "é" * (16 * KIB + 1)}), "env A is longer than 32 KiB"),  # UTF-8 bytes
        (stdio(env={"A": "v" * (32 * KIB), "B": "v" * (32 * KIB)}), "larger than 64 KiB in total"),
        (stdio(env={"": "v"}), "env names must be 1-256 characters"),
        (stdio(env={"A=B": "v"}), "without '='"),
        (stdio(env={"K" * 257: "v"}), "env names must be 1-256"),
        (stdio(env={"A": "x\x00y"}), "env A contains a NUL character"),
        (stdio(args=["a"] * 201), "'args' has 201 entries; at most 200"),
        (stdio(args=["a" * (33 * KIB), "b" * (33 * KIB)]), "the args are larger than 64 KiB"),
        (stdio(args=["--x\x00"]), "argument 1 contains a NUL character"),
        (stdio(command="c" * (4 * KIB + 1)), "'command' is longer than 4 KiB"),
        (stdio(cwd="d" * (4 * KIB + 1)), "'cwd' is longer than 4 KiB"),
        (stdio(description="e" * (4 * KIB + 1)), "'description' is longer than 4 KiB"),
        (web(url="http://h/" + "u" * (4 * KIB)), "'url' is longer than 4 KiB"),
        (web(headers={f"H{i}": "v" for i in range(51)}), "'headers' has 51 entries; at most 50"),
        (web(headers={"A": "v" * (8 * KIB + 1)}), "header A is longer than 8 KiB"),
        (web(headers={f"H{i}": "v" * (8 * KIB) for i in range(5)}), "headers are larger than 32 KiB"),
        (web(headers={"Bad Name": "v"}), "'Bad Name' is not a valid HTTP header name"),
        (web(headers={"X-Inject": "v\r\nX-Evil: 1"}), "header X-Inject contains a line break"),
    ],
)
def test_a_spec_over_a_limit_is_refused_with_the_field_and_the_limit(spec: ServerSpec, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        validate_spec(spec)


def test_the_error_never_quotes_a_value() -> None:
    with pytest.raises(BadRequest) as info:
        validate_spec(stdio(env={"TOKEN": "secret-value-" * 3000}))
    assert "secret-value" not in str(info.value)


def test_imports_take_a_bounded_number_of_servers() -> None:
    limits.check_import_size(limits.MAX_IMPORT)
    with pytest.raises(BadRequest, match="at most 100 MCP servers, got 101"):
        limits.check_import_size(101)
    # the limits apply to imported entries too
    with pytest.raises(BadRequest, match="MCP server 'a': 'args' has 201 entries"):
        parse_claude_config({"mcpServers": {"a": {"command": "x", "args": ["y"] * 201}}})
