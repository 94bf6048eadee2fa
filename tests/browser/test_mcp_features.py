"""MCP beyond plain tools in the JupyterLab panel, driven by headless Chromium: tool titles and
badges on the card, live progress with Cancel on the card, images inline (click to enlarge), a
resource link that opens, and the server's instructions, notes and log in its details.

The real-model lab (ChatOpenAI against the local fake endpoint) and the edge-case MCP server
(tests/fakes/mcp_edge_server.py) over stdio.
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
from tests.mcp_servers.specs import FAKES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture
def edge_chat(page: Any, llm_lab: LlmLab) -> Iterator[ChatPanel]:
    lab = llm_lab.lab
    llm_lab.llm.clear()
    spec = {"name": "edge", "command": sys.executable, "args": [str(FAKES / "mcp_edge_server.py")]}
    api(lab, "POST", "servers", spec)
    panel = ChatPanel(page, lab)
    try:
        panel.open_lab()
        panel.open_panel()
        panel.new_chat()
        panel.use_server("edge")
        yield panel
    finally:
        llm_lab.llm.clear()
        api(lab, "DELETE", "servers/edge")


def test_card_title_badges_progress_cancel_image_and_link(
    page: Any, edge_chat: ChatPanel, llm_lab: LlmLab
) -> None:
    from playwright.sync_api import expect

    chat, llm = edge_chat, llm_lab.llm
    # the card names the tool's title and its (claimed) hints; the claim decides nothing
    llm.queue(tool_call_reply([("edge_wipe", {"target": "/"})]), text_reply("not wiped"))
    chat.send("wipe it")
    card = chat.t("approval-card")
    expect(card.locator(tid("tool-title"))).to_have_text("Harmless lookup", timeout=60_000)
    expect(card.locator('[data-badge="read-only"]')).to_have_count(1)
    page.steps.shot("card-badges")
    decide(chat, "reject", "no")
    chat.wait_idle()

    # live progress and Cancel on the running card; the turn goes on
    llm.queue(tool_call_reply([("edge_wait_forever", {})]), text_reply("cancelled, moving on"))
    chat.send("wait")
    decide(chat, "approve")
    running = chat.t("tool-call").last
    expect(running.locator(tid("progress-message"))).to_have_text("waiting", timeout=60_000)
    page.steps.shot("progress")
    running.locator(tid("cancel-call")).click()
    expect(running.locator(tid("tool-result"))).to_contain_text(
        "the user cancelled this tool call", timeout=60_000
    )
    chat.wait_idle()
    expect(chat.t("transcript")).to_contain_text("cancelled, moving on")

    # an image inline (click to enlarge) and a resource link that opens
    llm.queue(tool_call_reply([("edge_picture", {}), ("edge_sound", {})]), text_reply("here"))
    chat.send("show me")
    chat.t("approve-all").click()
    chat.wait_idle()
    image = chat.t("media-image").last
    expect(image.locator("img")).to_have_count(1, timeout=30_000)
    assert image.locator("img").evaluate("img => img.complete && img.naturalWidth") == 1
    image.click()
    expect(image).to_have_class("mcpchat-media-image mcpchat-media-big")
    link = chat.t("media-link").first
    link.locator(tid("resource-open")).click()
    expect(link.locator(tid("resource-contents"))).to_contain_text("quarterly report", timeout=30_000)
    expect(chat.t("media-left-out")).to_have_count(0)
    page.steps.shot("media")


def test_server_details_show_instructions_notes_and_log(
    page: Any, edge_chat: ChatPanel, llm_lab: LlmLab
) -> None:
    from playwright.sync_api import expect

    chat, llm = edge_chat, llm_lab.llm
    llm.queue(tool_call_reply([("edge_chatter", {"text": "hello log"})]), text_reply("logged"))
    chat.send("log something")
    decide(chat, "approve")
    chat.wait_idle()
    chat.show_servers()
    row = chat.server_row("edge")
    expect(row.locator(tid("server-instructions"))).to_contain_text("Call peek before wipe.")
    expect(row.locator(tid("server-note"))).to_contain_text("tool task_only is hidden")
    expect(row.locator(f'{tid("server-tools")} li[data-tool="peek"] [data-badge="read-only"]')).to_have_count(
        1
    )
    row.locator(f"{tid('server-log')} summary").click()
    expect(row.locator(tid("server-log-entry")).first).to_contain_text("info: hello log", timeout=30_000)
    page.steps.shot("server-details")
