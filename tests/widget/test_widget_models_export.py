"""The notebook widget's model choice and export: over its comm (what the UI's buttons send) and
from Python (``ChatWidget.export``)."""

from __future__ import annotations

import json

import nbformat
import pytest

from mcpchat_ext.widget import ChatWidget
from tests.widget.conftest import RecordingComm, wait_for

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]


def of_type(kind: str, **fields: object) -> object:
    return lambda f: f.get("type") == kind and all(f.get(k) == v for k, v in fields.items())


async def test_models_and_export_over_the_comm_and_from_python(widget: ChatWidget) -> None:
    c = widget.comm
    assert isinstance(c, RecordingComm)
    c.receive({"type": "hello"})
    await wait_for(c, of_type("welcome"))  # type: ignore[arg-type]
    c.receive({"type": "call", "id": "s", "method": "settings.get"})
    settings = await wait_for(c, of_type("result", id="s"))  # type: ignore[arg-type]
    assert [m["id"] for m in settings["result"]["models"]] == ["demo"]
    c.receive(
        {"type": "call", "id": "c", "method": "chats.create", "params": {"servers": [], "model": "demo"}}
    )
    chat_id = (await wait_for(c, of_type("result", id="c")))["result"]["id"]  # type: ignore[arg-type]
    c.receive({"type": "send", "chat_id": chat_id, "text": "hello widget"})
    await wait_for(c, of_type("done", chat_id=chat_id))  # type: ignore[arg-type]
    params = {"chat_id": chat_id, "format": "ipynb"}
    c.receive({"type": "call", "id": "e", "method": "chats.export", "params": params})
    exported = (await wait_for(c, of_type("result", id="e")))["result"]  # type: ignore[arg-type]
    nbformat.validate(nbformat.reads(exported["content"], as_version=4))
    assert exported["filename"].endswith(".ipynb")

    with pytest.raises(ValueError, match="set chat_id"):
        await widget.export()
    widget.chat_id = chat_id
    md = await widget.export("md")
    assert "hello widget" in md
    audit = json.loads(await widget.export("audit"))
    assert audit["chat_id"] == chat_id
