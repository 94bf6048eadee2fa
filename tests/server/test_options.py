"""Every engine option is a documented traitlet of the extension and reaches the engine."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from traitlets import TraitError

from mcpchat_ext.app import MCPChatExtension
from mcpchat_ext.config import EngineConfig

# API-only (tests, notebooks); roots_dir: the extension takes the Jupyter server's root_dir
NOT_TRAITLETS = {"checkpoint_path", "temperature", "roots_dir"}


def test_every_option_is_a_documented_traitlet() -> None:
    own = MCPChatExtension.class_own_traits(config=True)
    assert own, "no configurable traitlets found"
    for name, trait in own.items():
        assert (trait.help or "").strip(), f"{name} has no help text"
    fields = {f.name for f in dataclasses.fields(EngineConfig)} - NOT_TRAITLETS
    assert fields <= set(own), f"engine options without a traitlet: {sorted(fields - set(own))}"


def test_traitlets_reach_the_engine_config() -> None:
    app = MCPChatExtension(
        max_context_tokens=1234,
        max_tool_rounds=3,
        tool_timeout=7.5,
        auto_approve=["demo:add"],
        include_demo_server=False,
        openai_api_key="",
    )
    cfg = app.engine_config()
    assert (cfg.max_context_tokens, cfg.max_tool_rounds, cfg.tool_timeout) == (1234, 3, 7.5)
    assert cfg.auto_approve == ["demo:add"] and cfg.include_demo_server is False
    assert cfg.uses_demo_model


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("tool_timeout", -1.0),
        ("tool_timeout", 0.0),
        ("connect_timeout", -5.0),
        ("idle_timeout", -1.0),
        ("max_output_chars", 0),
        ("max_tool_rounds", 0),
        ("max_context_tokens", -1),
        ("token_coalesce_ms", -1.0),
        ("token_coalesce_ms", 5000.0),
    ],
)
def test_a_bad_number_is_refused_with_a_clear_error(name: str, value: float) -> None:
    with pytest.raises(TraitError, match=rf"MCPChatExtension\.{name} must be .*got {value!r}"):
        MCPChatExtension(**{name: value})


def test_defaults_are_the_engine_configs() -> None:
    app, cfg = MCPChatExtension(), EngineConfig(data_dir=Path())
    for name in ("tool_timeout", "connect_timeout", "max_output_chars", "max_tool_rounds", "idle_timeout"):
        assert getattr(app, name) == getattr(cfg, name), name


def test_the_server_catalog_option_is_parsed() -> None:
    app = MCPChatExtension(server_catalog={"mcpServers": {"tools": {"command": "uvx", "args": ["x"]}}})
    (spec,) = app.engine_config().server_catalog
    assert (spec.name, spec.command, spec.args) == ("tools", "uvx", ["x"])


def test_a_bad_crypt_key_is_refused_with_a_clear_error() -> None:
    with pytest.raises(TraitError, match=r"MCPChatExtension\.crypt_key: key 1 of MCPCHAT_CRYPT_KEY is not"):
        MCPChatExtension(crypt_key="hunter2")
    assert MCPChatExtension(crypt_key="").engine_config().crypt_key is None


def test_bad_administrator_rules_fail_at_configuration() -> None:
    with pytest.raises(TraitError, match=r"approval_rules\[0\]\.action must be one of allow, ask, deny"):
        MCPChatExtension(approval_rules=[{"server": "*", "action": "maybe"}])
    with pytest.raises(TraitError, match=r"approval_rules\[0\] has unknown key"):
        MCPChatExtension(approval_rules=[{"server": "*", "action": "deny", "tools": "x"}])
