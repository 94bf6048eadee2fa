"""Secrets of server specs: what is masked, what redact_text removes, and when *** is restored."""

from __future__ import annotations

from typing import Any

import pytest

from mcpchat_ext.errors import BadRequest
from mcpchat_ext.mcp_servers.redact import (
    MASK,
    is_secret_name,
    mask_args,
    mask_spec,
    mask_url,
    redact_text,
    secret_values,
)
from mcpchat_ext.mcp_servers.unmask import restore_secrets, same_origin
from mcpchat_ext.protocol import ServerSpec


def spec(**data: Any) -> ServerSpec:
    return ServerSpec.model_validate({"name": "s", **data})


def http(url: str, **data: Any) -> ServerSpec:
    return spec(transport="streamable_http", url=url, **data)


@pytest.mark.parametrize(
    "name",
    [
        "key", "api_key", "apikey", "API-KEY", "x-api-key", "X-Api-Key", "apiKey", "XApiKey",
        "token", "access_token", "accessToken", "refresh-token", "oauth_token", "auth", "authToken",
        "Authorization", "secret", "client_secret", "clientSecret", "password", "db-passwd", "pwd",
        "signature", "sig", "X-Amz-Signature", "credentials", "session", "private_key",
    ],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize(
    "name", ["q", "page", "format", "monkey", "keyword", "author", "region", "verbose", "port", "tz"]
)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:PASS@host/mcp", f"http://user:{MASK}@host/mcp"),
        ("https://ghp_TOKEN@github.example/mcp", f"https://{MASK}@github.example/mcp"),
        ("http://h/mcp?api_key=K1&q=x", f"http://h/mcp?api_key={MASK}&q=x"),
        ("http://h/mcp?Token=K1&X-Amz-Signature=S&page=2", f"http://h/mcp?Token={MASK}&X-Amz-Signature={MASK}&page=2"),
        ("http://h/cb#access_token=K1&state=s", f"http://h/cb#access_token={MASK}&state=s"),
        ("http://u:p@h:8080/mcp?key=k", f"http://u:{MASK}@h:8080/mcp?key={MASK}"),
        ("http://h/mcp?q=1", "http://h/mcp?q=1"),
        ("http://h/mcp?", "http://h/mcp?"),  # nothing secret: unchanged, byte for byte
        ("http://[::1/mcp", MASK),  # unparseable: nothing of it is shown
    ],
)  # fmt: skip
def test_mask_url(url: str, shown: str) -> None:
    assert mask_url(url) == shown


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--api-key=K1", "--port", "80"], [f"--api-key={MASK}", "--port", "80"]),
        (["--token", "K1", "--verbose"], ["--token", MASK, "--verbose"]),
        (["-token", "K1"], ["-token", MASK]),
        (["--auth", "--verbose"], ["--auth", "--verbose"]),  # a flag without a value
        (["--token="], ["--token="]),
        (["-p", "hunter2", "-k", "x"], ["-p", "hunter2", "-k", "x"]),  # single letters: documented
        (["run", "-e", "GITHUB_TOKEN=K1", "-e", "TZ=UTC"], ["run", "-e", f"GITHUB_TOKEN={MASK}", "-e", "TZ=UTC"]),
        (["--header", "Authorization: Bearer K1"], ["--header", f"Authorization: {MASK}"]),
        (["--header=X-Api-Key:K1"], [f"--header=X-Api-Key:{MASK}"]),
        (["mcp-remote", "https://h/mcp?apikey=K1"], ["mcp-remote", f"https://h/mcp?apikey={MASK}"]),
        (["--url=http://u:K1@h/"], [f"--url=http://u:{MASK}@h/"]),
        (["server.py", "--mode", "fast"], ["server.py", "--mode", "fast"]),
    ],
)  # fmt: skip
def test_mask_args(args: list[str], shown: list[str]) -> None:
    assert mask_args(args) == shown


def test_mask_spec_hides_every_secret() -> None:
    stdio = spec(command="npx", args=["srv", "--api-key=ARGSECRET"], env={"TOKEN": "ENVSECRET"})
    web = http("https://me:URLPASS@h/mcp?api_key=QUERYSECRET", headers={"Authorization": "Bearer HDR"})
    for original in (stdio, web):
        text = mask_spec(original).model_dump_json()
        for secret in ("ARGSECRET", "ENVSECRET", "URLPASS", "QUERYSECRET", "HDR"):
            assert secret not in text
    assert mask_spec(stdio).args == ["srv", f"--api-key={MASK}"]
    assert stdio.args == ["srv", "--api-key=ARGSECRET"]  # the original is untouched


def test_redact_text_removes_every_form_of_every_value() -> None:
    s = http(
        "https://me:p%40ss-word@h/mcp?api_key=Q-secret-1",
        headers={"Authorization": "Bearer tok/en+1", "X-Other": "plain-value"},
    )
    text = (
        "failed: https://me:p%40ss-word@h/mcp?api_key=Q-secret-1 said 'bad token tok/en+1' "
        '(password p@ss-word, encoded tok%2Fen%2B1, json "Bearer tok/en+1", plain-value) '
        "redirected to https://evil.example/cb?token=UNKNOWN-TO-THE-SPEC"
    )
    cleaned = redact_text(text, s)
    for secret in ("p%40ss-word", "p@ss-word", "Q-secret-1", "tok/en+1", "tok%2Fen%2B1", "plain-value"):
        assert secret not in cleaned, secret
    assert "UNKNOWN-TO-THE-SPEC" not in cleaned  # any URL's query secrets go too
    assert cleaned.startswith("failed: https://me:***@h/mcp?api_key=***")


def test_truncated_reprs_lose_the_parts_of_secrets_they_show() -> None:
    s = spec(command="x", env={"TOKEN": "sk-live-0123456789abcdef"})
    text = "input_value='debug: token=sk-live-0123...', tail='...456789abcdef' other='sk-l...'"
    cleaned = redact_text(text, s)
    assert cleaned == "input_value='debug: token=***...', tail='...***' other='sk-l...'"
    assert redact_text("just... text", s) == "just... text"


def test_short_values_stay_in_text_but_not_in_specs() -> None:
    s = spec(command="x", env={"TZ": "UTC", "DEBUG": "1"})
    assert secret_values(s) == set()
    assert redact_text("UTC 1", s) == "UTC 1"
    assert mask_spec(s).env == {"TZ": MASK, "DEBUG": MASK}


# -- restoring masked values ------------------------------------------------------------------


def test_an_unchanged_masked_spec_restores_to_the_original() -> None:
    for original in (
        http("https://u:pw@h/mcp?key=k1&q=2", headers={"Authorization": "Bearer t"}),
        spec(command="npx", args=["srv", "--token", "T0K", "--x=1"], env={"A": "env-a"}),
    ):
        assert restore_secrets(mask_spec(original), original) == original


def test_env_follows_only_the_same_program() -> None:
    old = spec(command="srv", args=["--mode", "a"], env={"TOKEN": "t0p", "MODE": "a"})
    masked = mask_spec(old)
    edited = masked.model_copy(update={"env": {"TOKEN": MASK, "MODE": "b", "NEW": "n"}})
    assert restore_secrets(edited, old).env == {"TOKEN": "t0p", "MODE": "b", "NEW": "n"}
    with pytest.raises(BadRequest, match="re-enter the value of env TOKEN: the command changed"):
        restore_secrets(masked.model_copy(update={"command": "/tmp/evil"}), old)
    with pytest.raises(BadRequest, match="re-enter the value of env TOKEN: the arguments changed"):
        restore_secrets(masked.model_copy(update={"args": ["-c", "print(1)"]}), old)
    # a new value for the secret is always fine
    moved = masked.model_copy(update={"command": "other", "env": {"TOKEN": "fresh", "MODE": "a"}})
    assert restore_secrets(moved, old).env == {"TOKEN": "fresh", "MODE": "a"}
    with pytest.raises(BadRequest, match="env GHOST holds the masked value"):
        restore_secrets(masked.model_copy(update={"env": {"GHOST": MASK}}), old)


def test_headers_and_url_secrets_follow_only_the_same_host() -> None:
    old = http("https://u:pw@h.example/mcp?api_key=K1", headers={"Authorization": "Bearer t"})
    masked = mask_spec(old)
    # another path on the same host keeps every credential
    same = masked.model_copy(update={"url": f"https://u:{MASK}@H.example:443/v2?api_key={MASK}"})
    restored = restore_secrets(same, old)
    assert restored.url == "https://u:pw@H.example:443/v2?api_key=K1"
    assert restored.headers == {"Authorization": "Bearer t"}
    for url, field in [
        ("https://evil.example/mcp", "header Authorization"),
        ("http://h.example/mcp", "header Authorization"),  # scheme
        ("https://h.example:8443/mcp", "header Authorization"),  # port
        (f"https://u:{MASK}@evil.example/mcp", "the URL's user name or password"),
        (f"https://evil.example/mcp?api_key={MASK}", "the URL parameter 'api_key'"),
    ]:
        with pytest.raises(
            BadRequest, match=f"re-enter the value of {field}: the URL's scheme, host or port"
        ):
            restore_secrets(masked.model_copy(update={"url": url}), old)
    # new credentials for a new host are fine
    fresh = masked.model_copy(update={"url": "https://evil.example/mcp", "headers": {"Authorization": "x"}})
    assert restore_secrets(fresh, old).headers == {"Authorization": "x"}
    with pytest.raises(BadRequest, match="re-enter the value of header Authorization: the transport changed"):
        restore_secrets(masked.model_copy(update={"transport": "stdio", "url": None, "command": "x"}), old)


def test_masked_arguments_follow_only_the_same_command() -> None:
    old = spec(command="srv", args=["--token", "T0K", "--api-key=K2"])
    masked = mask_spec(old)
    assert restore_secrets(masked.model_copy(update={"args": [*masked.args, "--v"]}), old).args == [
        *old.args,
        "--v",
    ]
    with pytest.raises(
        BadRequest, match=r"re-enter the value of argument 2 \('\*\*\*'\): the command changed"
    ):
        restore_secrets(masked.model_copy(update={"command": "evil"}), old)
    with pytest.raises(BadRequest, match=r"argument 1 .* holds the masked value"):
        restore_secrets(masked.model_copy(update={"args": [MASK, *masked.args]}), old)


def test_same_origin() -> None:
    assert same_origin("https://h/a", "https://H:443/b")
    assert not same_origin("https://h/a", "http://h/a")
    assert not same_origin("https://h/a", "https://h.evil/a")
    assert not same_origin("https://h:1/a", "https://h:2/a")
    assert not same_origin(None, "https://h")


def test_import_errors_do_not_quote_secrets() -> None:
    from mcpchat_ext.mcp_servers.specs import parse_claude_config

    for entry in (
        {"url": "ftp://me:PW-SECRET-1@h/mcp?token=Q-SECRET-2"},
        {"url": "http://h", "headers": {"Authorization": ["B-SECRET-3"]}},
        {"command": "x", "env": {"TOKEN": {"nested": "E-SECRET-4"}}},
    ):
        with pytest.raises(BadRequest) as info:
            parse_claude_config({"mcpServers": {"s": entry}})
        assert "SECRET" not in str(info.value), info.value
