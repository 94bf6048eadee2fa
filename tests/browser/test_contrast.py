"""WCAG AA contrast of every visible text of the chat panel, in JupyterLab's light and dark themes.

Each text's colour is compared with its effective background (the backgrounds of the element and
its ancestors composited) from getComputedStyle: the panel, the chat list, the servers panel with a
failed server and a form error, an approval card, tool results, an error under the chat, buttons.
"""

from __future__ import annotations

import json
import sys
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LabServer
from tests.browser.panel import ChatPanel, tid
from tests.browser.ui_checks import low_contrast

pytestmark = [pytest.mark.browser, pytest.mark.timeout(400)]

BROKEN = "contrast-broken"
THEME_SETTINGS = "@jupyterlab/apputils-extension/themes.jupyterlab-settings"


def api(lab: LabServer, method: str, path: str, body: Any = None) -> Any:
    req = urllib.request.Request(
        f"{lab.url}mcpchat/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


@pytest.fixture
def broken_server(lab_server: LabServer) -> Iterator[str]:
    """A stdio server whose command fails: its row shows an error text."""
    # its own name: test_chat_features adds a "broken" server to the same shared lab server
    spec = {"name": BROKEN, "command": sys.executable, "args": ["-c", "raise SystemExit('no such server')"]}
    api(lab_server, "POST", "servers", spec)
    try:
        yield BROKEN
    finally:
        api(lab_server, "DELETE", f"servers/{BROKEN}")


def set_theme(lab: LabServer, theme: str | None) -> None:
    path = lab.root / ".lab-settings" / THEME_SETTINGS
    if theme is None:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"theme": theme}))


def fill_the_panel(page: Any, chat: ChatPanel) -> None:
    """Every kind of text: chat list, servers (a failed one, a form error), approval, results, errors."""
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.send("add 2 and 3")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    chat.t("approval-card").locator(tid("approve")).click()
    expect(chat.t("tool-result")).to_have_count(1, timeout=60_000)
    chat.wait_idle()
    chat.t("reject-reason").wait_for(state="detached")
    chat.send("add 10 and 20")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    chat.t("reject-reason").fill("not now")
    chat.t("reject").click()
    chat.wait_idle()
    chat.send("multiply 6 and 7")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    chat.t("approval-card").locator(tid("edit")).click()
    # a form error, a failed server, and an error under the chat (an RPC the server refuses)
    chat.show_servers()
    chat.root.locator(".mcpchat-add summary").first.click()
    chat.t("add-submit").click()
    page.evaluate(
        "() => document.querySelectorAll('[data-testid=mcpchat] details').forEach((d) => (d.open = true))"
    )
    chat.server_row(BROKEN).locator(tid("server-toggle")).check()
    if not chat.t("chat-sidebar").is_visible():
        chat.t("toggle-chats").click()
    chat.root.locator(tid("chat-item")).first.hover()
    chat.root.locator(tid("chat-delete")).first.click()  # the "Delete?" confirmation


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_every_text_meets_wcag_aa(page: Any, lab_server: LabServer, broken_server: str, theme: str) -> None:
    from playwright.sync_api import expect

    set_theme(lab_server, theme)
    try:
        chat = ChatPanel(page, lab_server)
        chat.open_lab()
        page.wait_for_function("(t) => document.body.dataset.jpThemeName === t", arg=theme, timeout=60_000)
        chat.open_panel()
        fill_the_panel(page, chat)
        expect(chat.server_row(BROKEN).locator(".mcpchat-server-error")).to_be_visible(timeout=60_000)
        page.steps.shot(f"contrast-{theme.split()[-1].lower()}")
        bad = low_contrast(chat.root)
        assert bad == [], "\n".join(
            f"{b['ratio']} < {b['need']}: {b['tid']} {b['cls']!r} {b['text']!r} {b['color']}" for b in bad
        )
    finally:
        set_theme(lab_server, None)
