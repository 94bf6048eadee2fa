"""Accessibility of the chat panel: names, keyboard, focus, live region, Escape, Enter, disconnection."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LabServer
from tests.browser.panel import ChatPanel, tid
from tests.browser.ui_checks import squeeze, unnamed_controls

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture
def chat(page: Any, lab_server: LabServer) -> ChatPanel:
    panel = ChatPanel(page, lab_server)
    panel.open_lab()
    panel.open_panel()
    return panel


def test_every_control_has_a_name(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")  # the servers panel, its forms and the rules are shown too
    chat.root.locator(".mcpchat-add summary").first.click()
    chat.send("add 2 and 3")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    chat.t("approval-card").locator(tid("edit")).click()
    if not chat.t("chat-sidebar").is_visible():
        chat.t("toggle-chats").click()  # last: on a narrow panel it covers the chat
    page.steps.shot("all-controls")
    assert unnamed_controls(chat.root) == []
    expect(chat.t("toggle-chats")).to_have_attribute("aria-label", "Chats")
    expect(chat.t("new-chat")).to_have_attribute("aria-label", "New chat")
    expect(chat.t("chat-input")).to_have_attribute("aria-label", re.compile("Message"))


def test_rename_and_delete_by_keyboard(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat_id = chat.new_chat()
    if not chat.t("chat-sidebar").is_visible():
        chat.t("toggle-chats").click()
    row = chat.root.locator(f'{tid("chat-item")}[data-chat-id="{chat_id}"]')
    row.locator(tid("chat-item-title")).focus()
    page.keyboard.press("Tab")
    rename = row.locator(tid("chat-rename"))
    expect(rename).to_be_focused()
    assert rename.evaluate("(el) => getComputedStyle(el).opacity") == "1"  # seen while focused
    page.keyboard.press("Enter")
    box = row.locator(tid("chat-rename-input"))
    expect(box).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("typed title")
    page.keyboard.press("Enter")
    expect(row.locator(tid("chat-item-title"))).to_have_text("typed title")
    expect(rename).to_be_focused()  # back where the rename started
    page.keyboard.press("Tab")
    delete = row.locator(tid("chat-delete"))
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    expect(delete).to_have_text("Delete?")
    expect(delete).to_be_focused()
    page.keyboard.press("Enter")
    expect(chat.root.locator(f'{tid("chat-item")}[data-chat-id="{chat_id}"]')).to_have_count(0)


def test_keyboard_approval_focus_and_live_region(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.t("toggle-servers").click()
    live = chat.t("live-region")
    expect(live).to_have_attribute("aria-live", "polite")
    chat.send("add 2 and 3 and multiply 4 by 5")
    cards = chat.t("approval-card")
    expect(cards).to_have_count(2, timeout=60_000)
    expect(live).to_contain_text("The agent wants to run demo add, demo multiply")
    # Enter while decisions are due: says why, keeps the text
    chat.t("chat-input").fill("my next question")
    chat.t("chat-input").press("Enter")
    expect(chat.t("composer-hint")).to_contain_text("Decide the 2 tool calls above first")
    expect(chat.t("chat-input")).to_have_value("my next question")
    # keys on the panel: A approves the focused card, focus moves to the next one
    cards.nth(0).locator(tid("approve")).focus()
    page.keyboard.press("a")
    expect(cards.nth(0).locator(tid("card-decided-text"))).to_have_text("Approved")
    expect(cards.nth(1).locator(tid("approve"))).to_be_focused()
    # E opens the edit form, Escape cancels it (focus back on Edit)
    page.keyboard.press("e")
    expect(cards.nth(1).locator(tid("arg-a"))).to_be_focused()
    page.keyboard.press("Escape")
    expect(cards.nth(1).locator(tid("edit-run"))).to_be_hidden()
    expect(cards.nth(1).locator(tid("edit"))).to_be_focused()
    # R rejects: the last decision sends them all; focus returns to the composer
    page.keyboard.press("r")
    expect(chat.t("approval-panel")).to_have_count(0, timeout=30_000)
    expect(chat.t("chat-input")).to_be_focused()
    chat.wait_idle()
    expect(live).to_contain_text("Reply:", timeout=30_000)
    expect(chat.t("composer-hint")).to_be_hidden()
    expect(chat.t("chat-input")).to_have_value("my next question")  # never lost
    results = chat.t("tool-result")
    expect(results).to_have_count(2)
    expect(results.first.locator("pre")).to_have_text("5")


def test_escape_closes_the_narrow_chat_list_and_the_servers_panel(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.show_servers()
    chat.server_row("demo").locator(tid("server-toggle")).focus()
    page.keyboard.press("Escape")
    expect(chat.t("server-panel")).to_be_hidden()
    expect(chat.t("toggle-servers")).to_be_focused()
    squeeze(page, 400)
    chat.t("toggle-chats").click()
    expect(chat.t("chat-sidebar")).to_be_visible()
    expect(chat.t("chat-sidebar").locator(":focus")).to_have_count(1)  # focus moved into the list
    page.keyboard.press("Escape")
    expect(chat.t("chat-sidebar")).to_be_hidden()
    expect(chat.t("toggle-chats")).to_be_focused()


def test_send_is_disabled_while_disconnected(page: Any, lab_server: LabServer) -> None:
    from playwright.sync_api import expect

    refuse = {"on": False}
    sockets: list[Any] = []

    def route(ws: Any) -> None:
        if refuse["on"]:
            ws.close(code=1011, reason="test: server away")
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/mcpchat/ws"), route)
    chat = ChatPanel(page, lab_server)
    chat.open_lab()
    chat.open_panel()
    chat.new_chat()
    chat.t("chat-input").fill("kept while offline")
    expect(chat.t("send")).to_be_enabled()
    refuse["on"] = True
    for ws in sockets:
        ws.close(code=1011, reason="test: server away")
    expect(chat.root).to_have_attribute("data-connection", "closed", timeout=30_000)
    expect(chat.t("send")).to_be_disabled()
    expect(chat.t("send")).to_have_attribute("title", "Not connected to the chat server")
    expect(chat.t("composer-hint")).to_contain_text("Not connected")
    page.steps.shot("disconnected")
    chat.t("chat-input").press("Enter")
    expect(chat.t("chat-input")).to_have_value("kept while offline")
    refuse["on"] = False
    chat.t("reconnect").click()
    expect(chat.root).to_have_attribute("data-connection", "open", timeout=30_000)
    expect(chat.t("send")).to_be_enabled()
    expect(chat.t("composer-hint")).to_be_hidden()
