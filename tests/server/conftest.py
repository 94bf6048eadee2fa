from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

FAKES = Path(__file__).parent.parent / "fakes"


@pytest.fixture
def mcpchat_config(tmp_path: Path) -> dict[str, Any]:
    """MCPChatExtension traitlets for the server under test (offline demo model, tmp data dir)."""
    return {
        "data_dir": str(tmp_path / "mcpchat-data"),
        "openai_api_key": "",
        "idle_timeout": 0,
        "tool_timeout": 10.0,
        "connect_timeout": 20.0,
        "jupyter_tools": False,  # (tests/jupyter_tools/ switch them on)
    }


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    return {}


@pytest.fixture
def jp_server_config(mcpchat_config: dict[str, Any], server_extra_config: dict[str, Any]) -> Config:
    cfg: dict[str, Any] = {
        "ServerApp": {"jpserver_extensions": {"mcpchat_ext": True, "jupyter_server_terminals": False}},
        "MCPChatExtension": mcpchat_config,
    }
    for section, values in server_extra_config.items():
        cfg.setdefault(section, {}).update(values)
    return Config(cfg)


def stdio_fake_spec(name: str = "fake") -> dict[str, Any]:
    return {
        "name": name,
        "transport": "stdio",
        "command": sys.executable,
        "args": [str(FAKES / "mcp_stdio_server.py")],
    }


def body(data: Any) -> str:
    return json.dumps(data)
