"""The anywidget ChatWidget rendered in a notebook in JupyterLab, talking to the kernel's engine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.browser.conftest import LabServer
from tests.browser.panel import tid

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOK = {
    "cells": [
        {
            "cell_type": "code",
            "execution_count": None,
            "id": "widget",
            "metadata": {},
            "outputs": [],
            "source": 'from mcpchat_ext import ChatWidget\nChatWidget(height="640px")',
        }
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}


# the workspace restores notebooks that earlier tests opened, in hidden tabs: their cells match
# ``.jp-Notebook .jp-Cell`` too and stay hidden (a hidden dock tab is scaled to nothing, not always
# marked lm-mod-hidden), so only what is visible counts
VISIBLE = " >> visible=true"


def test_widget_chat_with_approval(page: Any, lab_server: LabServer) -> None:
    from playwright.sync_api import expect

    (lab_server.root / "widget.ipynb").write_text(json.dumps(NOTEBOOK))
    page.goto(lab_server.notebook_url("widget.ipynb"), wait_until="domcontentloaded")
    cell = page.locator(".jp-Notebook .jp-Cell" + VISIBLE).first
    cell.wait_for(timeout=60_000)
    # the kernel is up (status bar) before the cell runs; a run sent too early is retried
    page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=90_000)
    page.steps.shot("notebook-open")
    widget = page.locator(f".jp-OutputArea {tid('mcpchat')}" + VISIBLE).first
    for _attempt in range(3):
        cell.locator(".jp-InputArea-editor").click()
        page.keyboard.press("Control+Enter")
        try:
            widget.wait_for(state="visible", timeout=30_000)
            break
        except Exception:
            page.steps.shot("retry-run")
    widget.wait_for(state="visible", timeout=30_000)
    expect(widget).to_have_attribute("data-connection", "open", timeout=90_000)
    expect(widget).to_have_attribute("data-ready", "true", timeout=90_000)
    expect(widget.locator(tid("demo-badge"))).to_have_text("Offline demo model")
    page.steps.shot("widget-rendered")

    widget.locator(tid("new-chat")).click()
    expect(widget.locator(tid("empty-chat"))).to_be_visible()
    widget.locator(tid("toggle-servers")).click()
    box = widget.locator(f'{tid("server-row")}[data-server="demo"] {tid("server-toggle")}')
    if not box.is_checked():
        box.check()
    expect(box).to_be_checked()
    widget.locator(tid("toggle-servers")).click()

    widget.locator(tid("chat-input")).fill("add 2 and 3")
    widget.locator(tid("chat-input")).press("Enter")
    card = widget.locator(tid("approval-card"))
    expect(card).to_have_count(1, timeout=60_000)
    page.steps.shot("widget-approval")
    card.locator(tid("approve")).click()
    expect(widget.locator(tid("tool-result")).first).to_contain_text("5", timeout=60_000)
    expect(widget).to_have_attribute("data-running", "false", timeout=60_000)
    expect(widget.locator(tid("message-assistant")).last).to_contain_text("5")
    page.steps.shot("widget-result")
