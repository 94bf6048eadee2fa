"""The approval card of a jupyter tool call in JupyterLab: the cell diff against the saved notebook,
the destructive badge; rejecting leaves the notebook unchanged, approving edits it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import LlmLab
from tests.browser.panel import ChatPanel
from tests.fakes.openai_server import text_reply, tool_call_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


def notebook(*sources: str) -> str:
    cells = [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": f"c{i}",
            "metadata": {},
            "outputs": [],
            "source": s,
        }
        for i, s in enumerate(sources)
    ]
    meta = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    return json.dumps({"cells": cells, "metadata": meta, "nbformat": 4, "nbformat_minor": 5})


def test_edit_card_shows_the_cell_diff_and_reject_keeps_the_notebook(page: Any, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    llm_lab.llm.clear()
    path = llm_lab.lab.root / "card.ipynb"
    path.write_text(notebook("a = 1\nb = 2"))
    before = path.read_text()
    chat = ChatPanel(page, llm_lab.lab)
    chat.open_lab()
    chat.open_panel()
    chat.new_chat()
    chat.use_server("jupyter")
    args = {"path": "card.ipynb", "index": 0, "source": "a = 1\nb = 3"}
    llm_lab.llm.queue(tool_call_reply([("jupyter_replace_cell", args)]), text_reply("Left it alone."))
    chat.send("change b")
    card = chat.t("approval-card")
    expect(card.locator('[data-testid="tool-badges"] [data-badge="destructive"]')).to_be_visible(
        timeout=60_000
    )
    diff = card.locator('[data-testid="cell-diff"]')
    expect(diff).to_contain_text("- b = 2", timeout=30_000)  # looked up from the saved notebook
    expect(diff).to_contain_text("+ b = 3")
    expect(diff).to_contain_text("  a = 1")
    page.steps.shot("jupyter-diff-card")
    card.locator('[data-testid="reject"]').click()
    chat.wait_idle()
    assert path.read_text() == before

    llm_lab.llm.queue(
        tool_call_reply([("jupyter_execute_code", {"path": "card.ipynb", "code": "print(6 * 7)"})])
    )
    llm_lab.llm.queue(text_reply("It printed 42."))
    chat.send("run it")
    code = chat.t("approval-card").locator('[data-testid="cell-code"]')
    expect(code).to_have_text("print(6 * 7)", timeout=60_000)
    # one call: its card's Approve decides and submits (Approve all is only shown for several)
    chat.t("approval-card").last.locator('[data-testid="approve"]').click()
    result = chat.t("tool-result").last
    expect(result).to_contain_text("42", timeout=120_000)  # the kernel ran it
    chat.wait_idle(120_000)
    expect(chat.t("message-assistant").last).to_contain_text("It printed 42.")
