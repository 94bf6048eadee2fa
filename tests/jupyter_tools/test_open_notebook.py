"""read_open_notebook: the user's JupyterLab answers with the open notebook's unsaved state over
its own chat socket; a notebook open nowhere falls back to the saved file; another user's client
cannot answer someone else's request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mcpchat_ext.app import ENGINE_KEY
from tests.fakes.openai_server import FakeOpenAI
from tests.server.wsclient import ChatSocket

from .chat import decide, open_chat, pending_call
from .conftest import write_notebook


async def test_the_open_notebooks_unsaved_state_comes_from_the_frontend(
    jp_ws_fetch: Any, jp_root_dir: Path, llm: FakeOpenAI, jp_serverapp: Any
) -> None:
    write_notebook(jp_root_dir, "open.ipynb", "saved = 1")
    jp_serverapp.web_app.settings[ENGINE_KEY].jupyter.open_notebooks.timeout = 1.0
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    chat_id = await open_chat(sock)

    call = await pending_call(sock, llm, chat_id, "read_open_notebook", {"path": "open.ipynb"})
    assert call["annotations"]["read_only"] is True
    await sock.send(
        {"type": "decide", "chat_id": chat_id, "decisions": [{"call_id": call["id"], "action": "approve"}]}
    )
    [request] = [f for f in await sock.until("notebook_request") if f["type"] == "notebook_request"]
    assert request["path"] == "open.ipynb"
    unsaved = {
        "cell_type": "code",
        "source": ["unsaved = ", "2"],
        "outputs": [{"output_type": "stream", "name": "stdout", "text": "typed, not saved\n"}],
    }
    stranger = await sock.call("notebooks.answer", request_id="not-a-request", open=True, cells=[])
    assert stranger == {"answered": False}
    answered = await sock.call(
        "notebooks.answer", request_id=request["request_id"], open=True, dirty=True, cells=[unsaved]
    )
    assert answered == {"answered": True}
    frames = await sock.until("done", "error", chat_id=chat_id)
    result = next(f for f in frames if f["type"] == "tool_result")["message"]
    assert "with unsaved changes" in result["content"] and "unsaved = 2" in result["content"]
    assert "typed, not saved" in result["content"] and "saved = 1" not in result["content"]

    # open nowhere: nobody answers, the saved file is read
    call = await pending_call(sock, llm, chat_id, "read_open_notebook", {"path": "open.ipynb"})
    result = await decide(sock, chat_id, call, "approve")
    assert "not open in your JupyterLab" in result["content"] and "saved = 1" in result["content"]
    sock.ws.close()


async def test_only_the_asking_user_can_answer() -> None:
    import asyncio

    from mcpchat_ext.jupyter_tools.live import OpenNotebooks

    live = OpenNotebooks(timeout=5.0)
    asked: list[tuple[str, str, str]] = []
    sent = asyncio.Event()

    async def ask(user: str, request_id: str, path: str) -> None:
        asked.append((user, request_id, path))
        sent.set()

    live.ask = ask
    waiting = asyncio.ensure_future(live.request("alice", "a.ipynb"))
    await sent.wait()
    [(_, request_id, _)] = asked
    assert live.answer("bob", request_id, {"dirty": True, "cells": [{"source": "forged"}]}) is False
    assert not waiting.done()
    assert live.answer("alice", request_id, {"dirty": False, "cells": []}) is True
    assert await waiting == {"dirty": False, "cells": []}
