"""Page helpers for the JupyterLab chat panel (selectors are the UI's data-testid attributes)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import LabServer


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


class ChatPanel:
    def __init__(self, page: Any, lab: LabServer) -> None:
        self.page = page
        self.lab = lab
        # the side panel's chat (a notebook restored in the workspace may show a ChatWidget too)
        self.root = page.locator(f"#mcpchat-panel {tid('mcpchat')}")

    def open_lab(self) -> None:
        self.page.goto(self.lab.lab_url(), wait_until="domcontentloaded")
        self.page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
        self.wait_lab_settled()
        self.page.steps.shot("lab-loaded")

    def wait_lab_settled(self) -> None:
        """Wait for JupyterLab's own focus move after its restore, so it cannot land mid-test.

        Once the file browser has restored and listed its folder, JupyterLab opens a launcher if
        the main area is empty and activates it, which focuses it (seen up to ~3.5 s after the
        load, later under load): a key a test presses after that move goes to the launcher. So
        wait for a tab in the main area (the launcher, or a restored document), then for the
        focus to be in the main area (a restored document may never take it: 3 s at most).
        """
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        page = self.page
        page.wait_for_function(
            "() => !!document.querySelector('#jp-main-dock-panel .lm-TabBar-tab')", timeout=60_000
        )
        try:
            page.wait_for_function(
                "() => !!document.activeElement?.closest('#jp-main-dock-panel')", timeout=3_000
            )
        except PlaywrightTimeout:  # nothing in the main area took the focus
            pass

    def open_panel(self) -> None:
        """Show the side panel without toggling it shut.

        After a reload JupyterLab's layout restorer re-opens the panel on its own, at a moment the
        test cannot see; clicking the sidebar tab of an open panel collapses it. So click only
        while the tab is not the sidebar's current one, and look again until the panel shows.
        """
        tab = self.page.locator('li[data-id="mcpchat-panel"]')
        tab.wait_for(timeout=60_000)
        self.page.wait_for_function("() => !document.querySelector('#jupyterlab-splash')", timeout=60_000)
        for _ in range(60):
            if self.root.is_visible():
                break
            if "lm-mod-current" not in (tab.get_attribute("class") or ""):
                tab.click()
            self.page.wait_for_timeout(500)
        self.root.wait_for(state="visible")
        # connected (the server said welcome) and the chat list and history are loaded
        self.page.wait_for_function(
            "() => { const d = document.querySelector('#mcpchat-panel [data-testid=mcpchat]')?.dataset;"
            " return d?.connection === 'open' && d?.ready === 'true'; }",
            timeout=90_000,
        )
        self.page.steps.shot("panel-open")

    def t(self, name: str) -> Any:
        return self.root.locator(tid(name))

    def new_chat(self) -> str:
        before = self.current_chat_id()
        self.t("new-chat").click()
        self.page.wait_for_function(
            "(before) => { const c = localStorage.getItem('mcpchat:last-chat'); return c && c !== before; }",
            arg=before,
        )
        return str(self.current_chat_id())

    def current_chat_id(self) -> str | None:
        return self.page.evaluate("() => localStorage.getItem('mcpchat:last-chat')")

    def chat_row(self, chat_id: str) -> Any:
        """The chat list's row of ``chat_id``."""
        return self.root.locator(f'{tid("chat-item")}[data-chat-id="{chat_id}"]')

    def start_rename(self, chat_id: str, draft: str) -> Any:
        """Open the rename box of ``chat_id``'s row (the list is shown) and type ``draft``; the box."""
        row = self.chat_row(chat_id)
        row.hover()
        row.locator(tid("chat-rename")).click()
        box = row.locator(tid("chat-rename-input"))
        box.fill(draft)
        return box

    def show_servers(self) -> None:
        """Open the server panel. The header is drawn anew when the chat's state arrives (a new
        chat): a click that lands on the button just replaced is lost, so the click is made
        again while the button still says the panel is closed."""
        for _ in range(3):
            if self.t("server-panel").is_visible():
                return
            toggle = self.t("toggle-servers")
            if toggle.get_attribute("aria-expanded") != "true":
                toggle.click()
            try:
                self.t("server-panel").wait_for(state="visible", timeout=5000)
                return
            except Exception:  # (playwright's TimeoutError: look again)
                continue
        self.t("server-panel").wait_for(state="visible")

    def server_row(self, name: str) -> Any:
        return self.root.locator(f'{tid("server-row")}[data-server="{name}"]')

    def use_server(self, name: str) -> None:
        self.show_servers()
        box = self.server_row(name).locator(tid("server-toggle"))
        if not box.is_checked():
            box.check()
        self.page.wait_for_function(
            "(n) => document.querySelector(`[data-testid=server-row][data-server=${n}] input`).checked",
            arg=name,
        )

    def send(self, text: str) -> None:
        self.t("chat-input").fill(text)
        self.t("chat-input").press("Enter")

    def wait_idle(self, timeout: float = 60_000) -> None:
        self.page.wait_for_function(
            "() => document.querySelector('#mcpchat-panel [data-testid=mcpchat]').dataset.running === 'false'",
            timeout=timeout,
        )
