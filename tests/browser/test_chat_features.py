"""Chat management, editing a tool call through its schema form, and the error states."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LabServer
from tests.browser.panel import ChatPanel, tid

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture
def chat(page: Any, lab_server: LabServer) -> ChatPanel:
    panel = ChatPanel(page, lab_server)
    panel.open_lab()
    panel.open_panel()
    return panel


def test_edit_a_call_with_the_schema_form(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.send("add 2 and 3")
    card = chat.t("approval-card")
    expect(card).to_have_count(1, timeout=60_000)
    card.locator(tid("edit")).click()
    b = card.locator(tid("arg-b"))
    expect(b).to_have_attribute("type", "number")  # generated from the tool's input_schema
    expect(b).to_have_value("3")
    b.fill("40")
    page.steps.shot("editing")
    card.locator(tid("edit-run")).click()
    expect(chat.t("tool-result").first).to_contain_text("42", timeout=60_000)
    chat.wait_idle()
    expect(chat.t("tool-call").first.locator(tid("tool-args"))).to_contain_text('"b": 40')
    page.steps.shot("edited-result")


def test_chat_list_new_rename_search_delete(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    first = chat.new_chat()
    chat.send("hello there")
    expect(chat.t("message-assistant")).to_have_count(1, timeout=60_000)
    chat.wait_idle()
    second = chat.new_chat()
    assert second != first
    chat.t("toggle-chats").click()
    items = chat.t("chat-item")
    expect(chat.root.locator(f'{tid("chat-item")}[data-chat-id="{first}"]')).to_have_count(1)
    page.steps.shot("chat-list")

    row = chat.chat_row(first)
    chat.start_rename(first, "Greetings chat").press("Enter")
    expect(row.locator(tid("chat-item-title"))).to_have_text("Greetings chat")

    chat.t("chat-search").fill("greetings")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-chat-id", first)
    page.steps.shot("search")
    items.first.click()
    expect(chat.t("chat-title")).to_have_text("Greetings chat")
    expect(chat.t("message-user")).to_contain_text("hello there")
    if not chat.t("chat-search").is_visible():  # a narrow panel hides the list after a pick
        chat.t("toggle-chats").click()
    chat.t("chat-search").fill("")
    expect(chat.root.locator(f'{tid("chat-item")}[data-chat-id="{second}"]')).to_have_count(1)

    row.hover()
    row.locator(tid("chat-delete")).click()
    row.locator(tid("chat-delete")).click()  # confirm
    expect(chat.root.locator(f'{tid("chat-item")}[data-chat-id="{first}"]')).to_have_count(0)
    page.steps.shot("deleted")


def test_failed_mcp_server_shows_its_error(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.show_servers()
    chat.t("add-server").locator("summary").click()
    chat.t("add-name").fill("broken")
    chat.t("add-command").fill("/nonexistent/mcp-server")
    chat.t("add-submit").click()
    row = chat.server_row("broken")
    expect(row).to_have_count(1, timeout=30_000)
    if row.get_attribute("data-state") != "error":
        row.locator(tid("server-connect")).click()
    expect(row).to_have_attribute("data-state", "error", timeout=60_000)
    expect(row.locator(tid("server-error"))).not_to_be_empty()
    page.steps.shot("server-failed")

    chat.t("add-name").fill("bad name!")
    chat.t("add-command").fill("x")
    chat.t("add-submit").click()
    expect(chat.t("add-error")).not_to_be_empty()
    page.steps.shot("bad-spec")


def test_import_claude_desktop_config(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.show_servers()
    chat.t("import-servers").locator("summary").click()
    chat.t("import-json").fill("{not json")
    chat.t("import-submit").click()
    expect(chat.t("import-error")).to_contain_text("Not valid JSON")
    chat.t("import-json").fill('{"mcpServers": {"imported": {"command": "python", "args": ["-V"]}}}')
    chat.t("import-submit").click()
    expect(chat.server_row("imported")).to_have_count(1, timeout=30_000)
    page.steps.shot("imported")


def test_websocket_drop_shows_banner_and_reconnects(page: Any, lab_server: LabServer) -> None:
    from playwright.sync_api import expect

    sockets: list[Any] = []

    def proxy(ws: Any) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket("**/mcpchat/ws**", proxy)
    chat = ChatPanel(page, lab_server)
    chat.open_lab()
    chat.open_panel()
    assert sockets
    sockets[-1].close(code=1011, reason="server went away")
    banner = chat.t("connection-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Disconnected")
    page.steps.shot("disconnected")
    # reconnects by itself and the banner goes away
    expect(banner).to_be_hidden(timeout=30_000)
    assert len(sockets) >= 2
    page.steps.shot("reconnected")
