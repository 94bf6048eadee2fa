"""Exporting a chat (Python API): a notebook read back and validated with nbformat, Markdown, and
the approval audit as JSON; with hostile replies and tool results that must stay inert text."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import mistune
import nbformat
import pytest
import pytest_asyncio

from mcpchat_ext import api
from mcpchat_ext.errors import NotFound
from tests.fakes.hostile_payloads import SECRET, hostile_reply
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply
from tests.server.conftest import stdio_fake_spec

pytestmark = [pytest.mark.timeout(120), pytest.mark.asyncio]
ATTACKER = "http://127.0.0.1:9"
CODE = "import math\nprint(math.pi)"
# a tool result that tries to close its fence and inject markup after it
BREAKOUT = f"````\n</code></pre><img src='{ATTACKER}/breakout'>\n```\n<script>fetch('{ATTACKER}/s')</script>"
REPLY = (
    "Here is code:\n\n```python\n" + CODE + "\n```\n\n"
    "And fake output:\n\nOut[1]: <b>42</b>\n\n"
    + hostile_reply(ATTACKER)
    + "\n\n```html\n<script>alert(1)</script>\n```\n"
)
SAFE_TAGS = {"p", "strong", "em", "code", "pre", "a", "h1", "ul", "ol", "li", "blockquote", "hr", "br"}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


def assert_inert_markdown(text: str) -> None:
    """Rendered by a Markdown renderer that passes HTML through (no sanitizer), ``text`` makes no
    tag but plain formatting, and no link but http(s) ones."""
    assert not re.search(r"\]\s*\(\s*(javascript|data|vbscript):", text, re.IGNORECASE)
    parser = Tags()
    parser.feed(mistune.html(text))
    for tag, attrs in parser.found:
        assert tag in SAFE_TAGS, (tag, attrs)
        for name, value in attrs:
            if tag == "a" and name == "href":
                assert (value or "").startswith(("http://", "https://", "mailto:", "#")), value
            else:
                assert name == "class" and (value or "").startswith("language-"), (tag, name, value)


async def _hostile_chat(client: api.Client, llm: FakeOpenAI) -> api.Chat:
    await client.add_server(**stdio_fake_spec())
    chat = await client.new_chat(title="Report <b>Q3</b> `x`", servers=["fake"])
    llm.queue(
        tool_call_reply([("fake_echo", {"text": BREAKOUT})], "Echoing."),
        text_reply(REPLY),
        tool_call_reply([("fake_add", {"a": 1, "b": 2})]),
        text_reply("Not added."),
    )
    assert (await chat.ask("echo it", approve=True)).error is None
    assert (await chat.ask("add 1 and 2", approve=False)).error is None
    return chat


@pytest_asyncio.fixture
async def hostile(engine_config: dict[str, Any], llm: FakeOpenAI) -> Any:
    try:
        client = await api.connect(
            **engine_config, openai_api_key="k", openai_base_url=llm.base_url, model_name="fake-model"
        )
        yield client, await _hostile_chat(client, llm)
    finally:
        await api.shutdown()


async def test_notebook_export_reads_back_valid_and_inert(hostile: Any, tmp_path: Path) -> None:
    _, chat = hostile
    path = tmp_path / "chat.ipynb"
    content = await chat.export("ipynb", path)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nbformat.writes(nb) == content.rstrip("\n") or json.loads(content) == json.loads(
        nbformat.writes(nb)
    )
    assert nb.metadata["mcpchat"]["chat_id"] == chat.id and "signature" not in nb.metadata
    kinds = {c.cell_type for c in nb.cells}
    assert kinds == {"markdown", "code"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    # the reply's code blocks are code cells that never ran; nothing else is
    assert [(c.source, c.metadata["mcpchat"]["language"]) for c in code] == [
        (CODE, "python"),
        ("<script>alert(1)</script>", "html"),
    ]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    markdown = "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            assert_inert_markdown(cell.source)
    # the approved call with its arguments and result; the rejected one says so
    assert "fake_echo" in markdown and "approved" in markdown and "/breakout" in markdown
    assert "fake_add" in markdown and "rejected by the user (not run)" in markdown
    assert '"a": 1' in markdown
    assert "Report &lt;b&gt;Q3&lt;/b&gt;" in nb.cells[0].source
    assert SECRET in markdown  # the text is all there, only inert


async def test_markdown_export_is_inert(hostile: Any) -> None:
    _, chat = hostile
    text = await chat.export("md")
    assert_inert_markdown(text)
    assert "```python\n" + CODE + "\n```" in text
    assert "**You:**" in text and "echo it" in text and "Not added." in text


async def test_audit_export(hostile: Any) -> None:
    client, chat = hostile
    doc = json.loads(await chat.export("audit"))
    assert doc["chat_id"] == chat.id and doc["chat"]["title"] == chat.info.title
    actions = [(d["tool"], d["action"]) for d in doc["decisions"]]
    assert actions == [("fake_echo", "approve"), ("fake_add", "reject")]
    assert doc["decisions"][0]["args"] == {"text": BREAKOUT}
    # the audit outlives its chat; another user's chat is not found
    chat_id = chat.id
    await chat.delete()
    kept = json.loads(await api.Chat(client.workspace, chat.info).export("audit"))
    assert kept["chat"] is None and len(kept["decisions"]) == 2
    with pytest.raises(NotFound):
        await api.Chat(client.workspace, chat.info).export("ipynb")
    other = await api.connect(user="mallory")
    with pytest.raises(NotFound):
        await api.Chat(other.workspace, chat.info.model_copy(update={"id": chat_id})).export("audit")


async def test_demo_chat_export(client: api.Client) -> None:
    chat = await client.new_chat(servers=["demo"])
    await chat.ask("what is 2 plus 3?", approve=True)
    nb = nbformat.reads(await chat.export("ipynb"), as_version=4)
    nbformat.validate(nb)
    assert any("2 plus 3" in c.source for c in nb.cells)
