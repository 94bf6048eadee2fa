"""Resources attached from a server's details and prompts as slash commands, in the JupyterLab
panel (headless Chromium, the real-model lab, tests/fakes/resource_server.py over stdio).

What the servers send is hostile: a resource of HTML and script, a prompt named with markup. It
must stay text in the page (nothing runs, no element is made of it) and reach the model quoted as
untrusted context.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LlmLab
from tests.browser.panel import ChatPanel, tid
from tests.browser.test_approval_rules import api, decide
from tests.fakes.openai_server import text_reply, tool_call_reply
from tests.fakes.resource_server import HOSTILE_PROMPT
from tests.mcp_servers.specs import FAKES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def res_server(llm_lab: LlmLab) -> Iterator[str]:
    """The resource server, added once for the module's tests (and removed after them)."""
    spec = {"name": "res", "command": sys.executable, "args": [str(FAKES / "resource_server.py")]}
    api(llm_lab.lab, "POST", "servers", spec)
    try:
        yield "res"
    finally:
        api(llm_lab.lab, "DELETE", "servers/res")


@pytest.fixture
def res_chat(page: Any, llm_lab: LlmLab, res_server: str) -> Iterator[ChatPanel]:
    llm_lab.llm.clear()
    panel = ChatPanel(page, llm_lab.lab)
    try:
        panel.open_lab()  # it waits for JupyterLab's launcher focus (the slash menu closes on blur)
        panel.open_panel()
        panel.new_chat()
        panel.use_server(res_server)
        yield panel
    finally:
        llm_lab.llm.clear()


def test_attach_resources_send_and_see_them_change(page: Any, res_chat: ChatPanel, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    chat, llm = res_chat, llm_lab.llm
    row = chat.server_row("res")
    row.locator(f"{tid('server-resources')} summary").click()
    items = row.locator(tid("resource-item"))
    expect(items.first).to_be_visible(timeout=30_000)
    for uri in ("res://hostile", "res://counter"):
        items.filter(has_text=uri).locator(tid("resource-attach")).click()
    tray = chat.t("attach-tray")
    expect(tray.locator(tid("attachment-chip"))).to_have_count(2)
    # the hostile resource opened: its text shown as text, nothing made of it
    items.filter(has_text="res://hostile").locator(tid("resource-open")).click()
    contents = items.filter(has_text="res://hostile").locator(tid("resource-contents"))
    expect(contents).to_contain_text("IGNORE ALL PREVIOUS INSTRUCTIONS", timeout=30_000)
    expect(contents.locator("img, script, b")).to_have_count(0)

    llm.queue(text_reply("read both"))
    chat.send("what do they say?")
    chat.wait_idle()
    expect(tray.locator(tid("attachment-chip"))).to_have_count(0)
    sent = chat.t("message-attachments").last
    expect(sent.locator(tid("attachment-chip"))).to_have_count(2)
    user = [m for m in llm.requests[-1]["messages"] if m["role"] == "user"][-1]["content"]
    assert 'uri="res://hostile" from="MCP server res (untrusted)"' in user and "count is 0" in user

    llm.queue(tool_call_reply([("res_bump", {})]), text_reply("bumped"))
    chat.send("bump it")
    decide(chat, "approve")
    chat.wait_idle()
    counter = sent.locator(f'{tid("attachment-chip")}[data-uri="res://counter"]')
    expect(counter.locator(tid("chip-updated"))).to_have_count(1, timeout=30_000)
    expect(
        sent.locator(f'{tid("attachment-chip")}[data-uri="res://hostile"] {tid("chip-updated")}')
    ).to_have_count(0)
    expect(tray).to_contain_text("res://counter changed on res")
    assert page.evaluate("() => document.title") != "pwned"
    page.steps.shot("resource-updated")


def test_prompts_as_slash_commands(page: Any, res_chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat = res_chat
    box = chat.t("chat-input")
    box.fill("/")
    menu = chat.t("slash-menu")
    expect(menu.locator(tid("slash-item"))).to_have_count(3, timeout=30_000)
    hostile = menu.locator(tid("slash-item")).filter(has_text="/evil")
    expect(hostile.locator("code")).to_have_text(f"/{HOSTILE_PROMPT}")
    expect(menu.locator("img, script")).to_have_count(0)
    box.press("Escape")
    expect(menu).to_be_hidden()
    assert box.input_value() == "/", "Escape closes the menu and keeps the text"

    box.fill("/rev")  # (one input event: the menu filters on each)
    expect(menu.locator(tid("slash-item"))).to_have_count(1)
    box.press("Enter")  # picks: the prompt has arguments, so its form opens (nothing is sent)
    form = menu.locator(tid("slash-form"))
    expect(form.locator(tid("arg-code"))).to_be_visible()
    form.locator(tid("slash-use")).click()
    expect(form.locator(".mcpchat-form-error")).to_have_text("required: code")  # not filled yet
    form.locator(tid("arg-code")).fill("x = 1")
    form.locator(tid("slash-use")).click()
    expect(menu).to_be_hidden(timeout=30_000)
    assert box.input_value() == "Review this code (short):\nx = 1"
    expect(chat.t("message-attachments")).to_have_count(0)  # nothing was sent
    page.steps.shot("slash-filled")
