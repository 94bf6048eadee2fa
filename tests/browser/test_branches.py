"""Retry, edit-and-resend and the navigation between versions (1/2) in the JupyterLab panel
(a real ChatOpenAI against the local fake OpenAI server)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LlmLab
from tests.browser.panel import ChatPanel, tid
from tests.fakes.openai_server import text_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture
def chat(page: Any, llm_lab: LlmLab) -> ChatPanel:
    llm_lab.llm.clear()
    panel = ChatPanel(page, llm_lab.lab)
    panel.open_lab()
    panel.open_panel()
    return panel


def test_retry_edit_and_navigate_versions_across_a_reload(
    page: Any, chat: ChatPanel, llm_lab: LlmLab
) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    llm_lab.llm.queue(text_reply("First answer."), text_reply("Second answer."))
    chat.send("hello")
    reply = chat.t("message-assistant")
    expect(reply.last).to_contain_text("First answer.", timeout=60_000)
    chat.wait_idle()
    expect(chat.t("branch-nav")).to_have_count(0)  # one version: no navigation yet

    chat.t("retry-reply").click()
    expect(reply.last).to_contain_text("Second answer.", timeout=60_000)
    chat.wait_idle()
    expect(reply).to_have_count(1)  # the new version replaced the old one on screen
    expect(chat.t("message-user")).to_have_count(1)
    expect(chat.t("branch-count")).to_have_text("2/2")
    page.steps.shot("retried")

    chat.t("branch-prev").click()
    expect(reply.last).to_contain_text("First answer.", timeout=30_000)
    expect(chat.t("branch-count")).to_have_text("1/2")
    expect(chat.t("branch-prev")).to_be_disabled()
    page.steps.shot("first-version")

    chat.t("edit-message").click()
    box = chat.t("edit-input")
    expect(box).to_have_value("hello")
    box.fill("hello again")
    chat.t("edit-send").click()  # nothing queued: the fake model answers "You said: ..."
    expect(reply.last).to_contain_text("You said: hello again", timeout=60_000)
    chat.wait_idle()
    expect(chat.t("message-user")).to_have_text("hello again")
    expect(chat.t("branch-count")).to_have_text("3/3")
    page.steps.shot("edited")

    page.reload(wait_until="domcontentloaded")  # the shown version is the server's, not the page's
    chat.open_panel()
    expect(chat.t("message-user")).to_have_text("hello again", timeout=30_000)
    expect(chat.t("branch-count")).to_have_text("3/3", timeout=30_000)
    chat.t("branch-prev").click()
    expect(chat.t("branch-count")).to_have_text("2/3", timeout=30_000)
    expect(reply.last).to_contain_text("Second answer.")
    expect(chat.t("message-user")).to_have_text("hello")
    page.steps.shot("after-reload")


def test_a_failed_reply_offers_retry_and_cancel_keeps_the_message(
    page: Any, chat: ChatPanel, llm_lab: LlmLab
) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    llm_lab.llm.fail_next(status=500, message="upstream exploded <img src=x onerror=alert(1)>")
    chat.send("are you there?")
    expect(chat.t("chat-error")).to_be_visible(timeout=60_000)
    chat.wait_idle()

    # the server recorded the failure: a reload shows the same error, with Retry
    page.reload(wait_until="domcontentloaded")
    page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    chat.open_panel()
    error = chat.t("chat-error")
    expect(error).to_contain_text("The model failed:", timeout=30_000)
    expect(error).to_contain_text("upstream exploded <img src=x onerror=alert(1)>")  # as text
    expect(error.locator("img")).to_have_count(0)
    expect(chat.t("interrupted-note")).to_have_count(0)  # a failure, not a restart
    page.steps.shot("failed-after-reload")
    user = chat.t("message-user")

    chat.t("edit-message").click()
    chat.t("edit-input").fill("something else")
    chat.t("edit-cancel").click()  # nothing sent, the message as it was
    expect(user).to_have_text("are you there?")
    expect(chat.t("edit-input")).to_have_count(0)

    expect(chat.root.locator(f"{tid('branch-bar')} {tid('retry-reply')}")).to_be_visible()
    llm_lab.llm.queue(text_reply("Yes, here."))
    error.locator(tid("error-retry")).click()
    expect(chat.t("message-assistant").last).to_contain_text("Yes, here.", timeout=60_000)
    chat.wait_idle()
    expect(chat.t("chat-error")).to_be_hidden()
    expect(chat.t("branch-count")).to_have_text("2/2")
    page.steps.shot("failed-then-retried")
