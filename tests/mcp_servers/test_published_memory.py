"""The published ``@modelcontextprotocol/server-memory`` (npm): its annotated tools, and what one
call writes to its file is what the next one reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.published import manager, npm_server

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


async def test_memory_keeps_what_it_was_told(tmp_path: Path) -> None:
    store = tmp_path / "memory.jsonl"
    spec = npm_server("memory", "server-memory", env={"MEMORY_FILE_PATH": str(store)})
    async with manager() as mgr:
        status = await mgr.connect(spec)
        assert status.state == "ready", status.error
        infos = {t.tool: t for t in status.tools}
        assert infos["read_graph"].annotations and infos["read_graph"].annotations.claims_read_only
        assert infos["delete_entities"].annotations and infos["delete_entities"].annotations.destructive
        tools = by_name(await mgr.get_tools([spec]))
        entity = {"name": "Ada", "entityType": "person", "observations": ["wrote the first program"]}
        await call(tools["memory_create_entities"], entities=[entity])
        graph = json.loads(str((await call(tools["memory_read_graph"])).content))
        assert [e["name"] for e in graph["entities"]] == ["Ada"]
    assert "wrote the first program" in store.read_text(encoding="utf-8")
