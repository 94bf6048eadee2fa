"""The ``jupyter`` tools in a real chat: the model's call waits on a card (with the tool's hints),
a rejection leaves the notebook byte for byte unchanged, an approval edits it or runs the code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat

from tests.fakes.openai_server import FakeOpenAI
from tests.server.wsclient import ChatSocket

from .chat import decide, open_chat, pending_call
from .conftest import write_notebook


async def test_edit_waits_for_approval_and_a_rejection_changes_nothing(
    jp_ws_fetch: Any, jp_root_dir: Path, llm: FakeOpenAI
) -> None:
    path = write_notebook(jp_root_dir, "work.ipynb", "a = 1", "b = 2")
    before = path.read_bytes()
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    chat_id = await open_chat(sock)

    args = {"path": "work.ipynb", "index": 1, "source": "b = 20"}
    call = await pending_call(sock, llm, chat_id, "replace_cell", args)
    tools = {t["function"]["name"] for t in llm.requests[0]["tools"]}
    assert {"jupyter_read_notebook", "jupyter_replace_cell", "jupyter_execute_code"} <= tools
    assert call["args"] == args and call["annotations"]["destructive"] is True
    assert path.read_bytes() == before, "nothing changes while the card waits"
    rejected = await decide(sock, chat_id, call, "reject")
    assert rejected["status"] == "error" and "not this one" in rejected["content"]
    assert path.read_bytes() == before, "a rejected edit leaves the notebook unchanged"
    assert not [f for f in sock.seen if f["type"] == "notebook_changed"]

    call = await pending_call(sock, llm, chat_id, "replace_cell", args)
    approved = await decide(sock, chat_id, call, "approve")
    assert approved["status"] != "error" and "b = 20" in approved["content"]
    assert [c.source for c in nbformat.read(path, as_version=4).cells] == ["a = 1", "b = 20"]
    # the open JupyterLab view is told, so it follows the edit
    [changed] = [f for f in sock.seen if f["type"] == "notebook_changed"]
    assert (changed["path"], changed["op"], changed["index"]) == ("work.ipynb", "replace", 1)
    assert changed["cell"]["source"] == "b = 20"

    call = await pending_call(sock, llm, chat_id, "read_notebook", {"path": "work.ipynb"})
    assert call["annotations"]["read_only"] is True  # shown on the card; it still asked
    read = await decide(sock, chat_id, call, "approve")
    assert "b = 20" in read["content"]
    sock.ws.close()


async def test_code_runs_only_after_approval(
    jp_ws_fetch: Any, jp_root_dir: Path, llm: FakeOpenAI, jp_serverapp: Any
) -> None:
    write_notebook(jp_root_dir, "run.ipynb")
    marker = jp_root_dir / "ran.txt"
    code = f"open({str(marker)!r}, 'w').write('x')\nprint(6 * 7)"
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    chat_id = await open_chat(sock)
    try:
        call = await pending_call(sock, llm, chat_id, "execute_code", {"path": "run.ipynb", "code": code})
        assert call["args"]["code"] == code
        rejected = await decide(sock, chat_id, call, "reject")
        assert rejected["status"] == "error"
        assert not marker.exists() and jp_serverapp.kernel_manager.list_kernel_ids() == []

        call = await pending_call(sock, llm, chat_id, "execute_code", {"path": "run.ipynb", "code": code})
        result = await decide(sock, chat_id, call, "approve")
        assert result["status"] != "error" and "42" in result["content"] and marker.exists()
        # the model got the output
        assert any(
            m.get("role") == "tool" and "42" in str(m.get("content")) for m in llm.requests[-1]["messages"]
        )
    finally:
        sock.ws.close()
        await jp_serverapp.kernel_manager.shutdown_all()
