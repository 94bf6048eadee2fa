"""With a real ChatOpenAI against the local fake OpenAI server: code blocks, model errors, stop."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import LlmLab
from tests.browser.panel import ChatPanel, tid
from tests.fakes.openai_server import text_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "first",
            "metadata": {},
            "outputs": [],
            "source": "x = 1",
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def chat(page: Any, llm_lab: LlmLab) -> ChatPanel:
    llm_lab.llm.clear()
    panel = ChatPanel(page, llm_lab.lab)
    panel.open_lab()
    panel.open_panel()
    return panel


def test_code_block_copy_and_insert_into_notebook(page: Any, chat: ChatPanel, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    expect(chat.t("model-badge")).to_have_text("fake-model")
    (llm_lab.lab.root / "target.ipynb").write_text(json.dumps(NOTEBOOK))
    page.goto(llm_lab.lab.notebook_url("target.ipynb"), wait_until="domcontentloaded")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=60_000)
    chat.open_panel()
    chat.new_chat()
    llm_lab.llm.queue(text_reply("Here you go:\n\n```python\nprint(40 + 2)\n```\n\nRun it."))
    chat.send("show me code")
    code = chat.t("message-assistant").last.locator("pre code")
    expect(code).to_have_text("print(40 + 2)", timeout=60_000)
    chat.wait_idle()
    page.steps.shot("code-block")

    copy = chat.t("message-assistant").last.locator(tid("code-copy"))
    copy.click()
    expect(copy).to_have_text("Copied")

    page.locator(".jp-Notebook .jp-Cell").first.click()  # the active cell
    chat.t("message-assistant").last.locator(tid("code-insert")).click()
    cells = page.locator(".jp-Notebook .jp-Cell")
    expect(cells).to_have_count(2)
    expect(cells.nth(1).locator(".jp-InputArea-editor")).to_contain_text("print(40 + 2)")
    page.steps.shot("inserted")


def test_model_down_shows_an_error_and_the_chat_recovers(page: Any, chat: ChatPanel, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    llm_lab.llm.fail_next(status=500, message="upstream exploded")
    chat.send("first try")
    err = chat.t("chat-error")
    expect(err).to_be_visible(timeout=60_000)
    expect(err).to_contain_text("model")
    page.steps.shot("model-error")
    chat.wait_idle()
    chat.send("second try")
    expect(chat.t("message-assistant").last).to_contain_text("You said: second try", timeout=60_000)
    expect(err).to_be_hidden()
    page.steps.shot("recovered")


def test_stop_a_streaming_reply(page: Any, chat: ChatPanel, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    llm_lab.llm.queue(text_reply("word " * 400, n_tokens=400, token_delay=0.05))
    chat.send("talk a lot")
    stop = chat.t("stop")
    expect(stop).to_be_visible(timeout=60_000)
    expect(chat.t("message-assistant")).to_have_count(1, timeout=60_000)
    page.steps.shot("streaming")
    stop.click()
    chat.wait_idle()
    expect(stop).to_be_hidden()
    expect(chat.t("transcript")).to_contain_text("Stopped.")
    page.steps.shot("stopped")
    chat.send("after stop")
    expect(chat.t("message-assistant").last).to_contain_text("You said: after stop", timeout=60_000)
