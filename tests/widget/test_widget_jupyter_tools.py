"""The notebook widget in kernel transport offers the kernel's own ``jupyter`` tools: a model's
call waits on the widget's card, a rejection changes nothing, an approval edits the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpchat_ext.widget import ChatWidget
from tests.api.llm_client import llm_client
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.widget.conftest import RecordingComm, wait_for
from tests.widget.test_widget_comm import of_type

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


async def test_widget_jupyter_tool_waits_for_its_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # the kernel's working directory is the tools' root
    with FakeOpenAI() as llm:
        async with llm_client(tmp_path, llm):
            widget = ChatWidget(transport="kernel")
            c = widget.comm
            assert isinstance(c, RecordingComm)
            try:
                c.receive({"type": "hello"})
                await wait_for(c, of_type("welcome"))
                c.receive(
                    {"type": "call", "id": "c1", "method": "chats.create", "params": {"servers": ["jupyter"]}}
                )
                chat_id = (await wait_for(c, of_type("result", id="c1")))["result"]["id"]
                for action in ("reject", "approve"):
                    llm.queue(
                        tool_call_reply([("jupyter_create_notebook", {"path": "made.ipynb"})]),
                        text_reply("ok"),
                    )
                    mark = len(c.frames())
                    c.receive({"type": "send", "chat_id": chat_id, "text": "make a notebook"})
                    required = await wait_for(c, of_type("approval_required", chat_id=chat_id), after=mark)
                    [call] = required["calls"]
                    assert (call["server"], call["tool"]) == ("jupyter", "create_notebook")
                    assert not (work / "made.ipynb").exists(), "nothing runs before the decision"
                    c.receive(
                        {
                            "type": "decide",
                            "chat_id": chat_id,
                            "decisions": [{"call_id": call["id"], "action": action}],
                        }
                    )
                    result = await wait_for(c, of_type("tool_result", chat_id=chat_id), after=mark)
                    await wait_for(c, of_type("done", chat_id=chat_id), after=mark)
                    assert (work / "made.ipynb").exists() is (action == "approve"), result
            finally:
                widget.close()
                await widget.bridge.aclose()
