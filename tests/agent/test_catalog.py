"""The model catalog: parsing and checking entries, the default, what clients see of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mcpchat_ext.agent.catalog import (
    ModelCatalog,
    UnknownModel,
    load_catalog_file,
    parse_catalog,
    parse_entry,
)
from mcpchat_ext.agent.models import build_catalog, build_model, entry_info
from mcpchat_ext.config import EngineConfig
from mcpchat_ext.demo.model import DemoChatModel
from mcpchat_ext.errors import ModelError

SECRET = "sk-catalog-secret-0a1b2c3d"


def _doc() -> dict[str, Any]:
    return {
        "models": {
            "gpt": {
                "model": "gpt-4o",
                "label": "GPT-4o",
                "api_key_env": "TEST_GPT_KEY",
                "context_window": 128000,
                "images": True,
                "input_price": 2.5,
                "output_price": 10,
            },
            "local": {"model": "llama3.1", "base_url": "http://localhost:11434/v1"},
            "claude": {"provider": "anthropic", "model": "claude-x", "api_key_env": "TEST_CLAUDE_KEY"},
        },
        "default": "local",
    }


def test_parse_catalog_entries_and_default() -> None:
    entries, default = parse_catalog(_doc())
    assert [e.id for e in entries] == ["gpt", "local", "claude"] and default == "local"
    gpt = entries[0]
    assert (gpt.provider, gpt.model, gpt.context_window, gpt.images) == ("openai", "gpt-4o", 128000, True)
    assert gpt.cost(1_000_000, 500_000) == pytest.approx(2.5 + 5.0)
    assert entries[1].cost(10, 10) is None and entries[1].label == "llama3.1"
    assert entries[2].provider == "anthropic"
    # the inner mapping alone is a catalog too
    assert [e.id for e in parse_catalog(_doc()["models"])[0]] == ["gpt", "local", "claude"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"model": "m", "api_key": "sk-x"}, "api_key_env"),
        ({"model": "m", "provider": "mistral"}, "provider"),
        ({}, "'model'"),
        ({"model": "m", "context_window": -1}, "context_window"),
        ({"model": "m", "input_price": "cheap"}, "input_price"),
        ({"model": "m", "images": "yes"}, "images"),
        ({"model": "m", "api_key_env": "not a name"}, "api_key_env"),
        ({"model": "m", "base_url": "file:///etc/passwd"}, "base_url"),
        ({"model": "m", "colour": "red"}, "unknown field"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(raw: dict[str, Any], says: str) -> None:
    with pytest.raises(ValueError, match="x1") as info:
        parse_entry("x1", raw)
    assert says in str(info.value)
    assert "sk-x" not in str(info.value)


@pytest.mark.parametrize("model_id", ["demo", "env", "", "has space", "x" * 65])
def test_reserved_or_bad_ids_are_refused(model_id: str) -> None:
    with pytest.raises(ValueError, match="model id"):
        parse_entry(model_id, {"model": "m"})


def test_catalog_lookup_resolve_and_fallback() -> None:
    entries, _ = parse_catalog(_doc())
    catalog = ModelCatalog(entries, "gpt")
    assert catalog.get("local").model == "llama3.1"
    with pytest.raises(UnknownModel, match=r"'nope'.*gpt, local, claude"):
        catalog.get("nope")
    assert catalog.resolve(None) == (catalog.default, None)
    entry, note = catalog.resolve("removed-one")
    assert entry.id == "gpt" and note is not None and "'removed-one'" in note and "GPT-4o" in note
    with pytest.raises(ValueError, match="default model 'nope'"):
        ModelCatalog(entries, "nope")
    with pytest.raises(ValueError, match="twice"):
        ModelCatalog([*entries, entries[0]])


def test_default_model_choice(tmp_path: Path) -> None:
    entries, _ = parse_catalog(_doc())
    nothing = build_catalog(EngineConfig(data_dir=tmp_path))
    assert nothing.default.id == "demo" and nothing.ids == ["demo"]
    env = build_catalog(EngineConfig(data_dir=tmp_path, openai_api_key=SECRET, model_name="m1"))
    assert env.default.id == "env" and env.ids == ["env", "demo"]
    both = build_catalog(EngineConfig(data_dir=tmp_path, openai_api_key=SECRET, model_catalog=entries))
    assert both.ids == ["env", "gpt", "local", "claude", "demo"] and both.default.id == "env"
    only = build_catalog(EngineConfig(data_dir=tmp_path, model_catalog=entries))
    assert only.default.id == "gpt"
    chosen = build_catalog(EngineConfig(data_dir=tmp_path, model_catalog=entries, default_model="claude"))
    assert chosen.default.id == "claude"
    forced = build_catalog(EngineConfig(data_dir=tmp_path, model_catalog=entries, demo_model=True))
    assert forced.default.id == "demo"
    with pytest.raises(ValueError, match="'gone'"):
        build_catalog(EngineConfig(data_dir=tmp_path, model_catalog=entries, default_model="gone"))


def test_client_view_never_has_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_GPT_KEY", SECRET)
    entries, _ = parse_catalog(_doc())
    catalog = build_catalog(EngineConfig(data_dir=tmp_path, openai_api_key=SECRET, model_catalog=entries))
    for entry in catalog.entries.values():
        dumped = entry_info(entry).model_dump_json()
        assert SECRET not in dumped and "TEST_GPT_KEY" not in dumped
        assert SECRET not in repr(entry)
    gpt = entry_info(catalog.get("gpt"))
    assert (gpt.id, gpt.name, gpt.context_window, gpt.images, gpt.input_price) == (
        "gpt",
        "gpt-4o",
        128000,
        True,
        2.5,
    )
    assert catalog.get("gpt").key() == SECRET


def test_models_built_per_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    from langchain_anthropic import ChatAnthropic
    from langchain_openai import ChatOpenAI

    entries = {e.id: e for e in parse_catalog(_doc())[0]}
    monkeypatch.setenv("TEST_CLAUDE_KEY", SECRET)
    claude = build_model(entries["claude"])
    assert isinstance(claude, ChatAnthropic) and claude.streaming and claude.stream_usage
    assert claude.anthropic_api_key.get_secret_value() == SECRET
    local = build_model(entries["local"])
    assert isinstance(local, ChatOpenAI) and local.openai_api_base == "http://localhost:11434/v1"
    monkeypatch.delenv("TEST_GPT_KEY", raising=False)
    with pytest.raises(ModelError, match="TEST_GPT_KEY is not set"):
        build_model(entries["gpt"])
    assert isinstance(build_model(build_catalog(EngineConfig()).default), DemoChatModel)


def test_catalog_file(tmp_path: Path) -> None:
    import json

    path = tmp_path / "models.json"
    path.write_text(json.dumps(_doc()))
    entries, default = load_catalog_file(str(path))
    assert len(entries) == 3 and default == "local"
    path.write_text("{not json")
    with pytest.raises(ValueError, match=str(path)):
        load_catalog_file(str(path))


def test_engine_config_from_env_reads_the_catalog_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    path = tmp_path / "models.json"
    path.write_text(json.dumps({"models": {"x": {"model": "m"}}, "default": "x"}))
    monkeypatch.setenv("MCPCHAT_MODEL_CATALOG_FILE", str(path))
    cfg = EngineConfig.from_env()
    assert [e.id for e in cfg.model_catalog] == ["x"] and cfg.default_model == "x"
