"""End to end in JupyterLab: side panel, demo MCP server, approve / reject, history after reload."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LabServer
from tests.browser.panel import ChatPanel, tid

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def test_approve_reject_and_reload(page: Any, lab_server: LabServer) -> None:
    from playwright.sync_api import expect

    chat = ChatPanel(page, lab_server)
    chat.open_lab()
    chat.open_panel()
    expect(chat.t("demo-badge")).to_have_text("Offline demo model")

    chat_id = chat.new_chat()
    chat.use_server("demo")
    page.steps.shot("demo-server-selected")

    # 1. a tool call waits for approval; approving runs it
    chat.send("add 2 and 3")
    card = chat.t("approval-card")
    expect(card).to_have_count(1, timeout=60_000)
    expect(card.locator(tid("tool-server"))).to_have_text("demo")
    expect(card.locator(tid("tool-name"))).to_have_text("add")
    args = card.locator(tid("tool-args")).inner_text()
    assert '"a": 2' in args and '"b": 3' in args
    expect(chat.t("send")).to_be_disabled()  # decide first
    page.steps.shot("approval-required")
    card.locator(tid("approve")).click()  # one click decides and sends
    result = chat.t("tool-result").first
    expect(result).to_contain_text("5", timeout=60_000)
    chat.wait_idle()
    expect(chat.t("approval-panel")).to_have_count(0)
    last_reply = chat.t("message-assistant").last
    expect(last_reply).to_contain_text("5")
    page.steps.shot("approved-result")

    # 2. a rejected call does not run; the agent answers with the reason
    chat.send("add 10 and 20")
    card = chat.t("approval-card")
    expect(card).to_have_count(1, timeout=60_000)
    card.locator(tid("reject-reason")).fill("numbers are secret")
    page.steps.shot("rejecting")
    card.locator(tid("reject")).click()
    chat.wait_idle()
    rejected = chat.root.locator(f'{tid("tool-result")}[data-status="error"]')
    expect(rejected).to_have_count(1, timeout=60_000)
    expect(chat.t("message-assistant").last).to_contain_text("numbers are secret")
    # (no 30 in the transcript: a card's duration, "30 ms", is not a result)
    shown = re.sub(r"\b\d+(\.\d+)? (ms|s|min)\b", "", chat.t("transcript").inner_text())
    assert not re.search(r"\b30\b", shown), shown
    page.steps.shot("rejected-reply")

    # 3. reload: the chat and its history are back
    page.reload(wait_until="domcontentloaded")
    page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    chat.open_panel()
    assert chat.current_chat_id() == chat_id
    expect(chat.t("message-user")).to_have_count(2, timeout=30_000)
    text = chat.t("transcript").inner_text()
    assert "add 2 and 3" in text and "add 10 and 20" in text
    assert re.search(r"\b5(\.0)?\b", text)
    assert "numbers are secret" in text
    page.steps.shot("after-reload")


def test_pending_approval_survives_a_reload(page: Any, lab_server: LabServer) -> None:
    from playwright.sync_api import expect

    chat = ChatPanel(page, lab_server)
    chat.open_lab()
    chat.open_panel()
    chat.new_chat()
    chat.use_server("demo")
    chat.send("multiply 6 and 7")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    page.steps.shot("pending")

    page.reload(wait_until="domcontentloaded")
    page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    chat.open_panel()
    card = chat.t("approval-card")
    expect(card).to_have_count(1, timeout=30_000)
    expect(card.locator(tid("tool-name"))).to_have_text("multiply")
    page.steps.shot("pending-after-reload")
    card.locator(tid("approve")).click()
    expect(chat.t("tool-result").last).to_contain_text("42", timeout=60_000)
    chat.wait_idle()
    page.steps.shot("approved-after-reload")
