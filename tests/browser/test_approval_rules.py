"""Approval rules from the card (Allow in this chat / Always allow / Block), the rules view, a refused
edit, and Stop while a tool runs: in JupyterLab, driven by headless Chromium.

The offline demo model (``lab_server``) calls the demo server's tools for "add 2 and 3" etc. Every
test here removes the rules it made (the labs are shared with the other browser tests).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LabServer, LlmLab, run_lab
from tests.browser.panel import ChatPanel, tid
from tests.fakes.openai_server import FakeOpenAI, text_reply, tool_call_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

FAKES = Path(__file__).resolve().parents[1] / "fakes"

# Rewrites the edited arguments of outgoing `decide` frames while window.__mcpchatCorrupt is set:
# the schema form only produces values of the field's type, so a wrong type has to be injected.
CORRUPT_DECISIONS = """
(() => {
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (window.__mcpchatCorrupt && typeof data === 'string' && data.includes('"decide"')) {
      try {
        const frame = JSON.parse(data);
        if (frame.type === 'decide') {
          for (const d of frame.decisions) {
            if (d.action === 'edit') d.args = { ...d.args, ...window.__mcpchatCorrupt };
          }
          data = JSON.stringify(frame);
        }
      } catch (e) {}
    }
    return send.call(this, data);
  };
})();
"""

# Counts approval cards that appear from now on (a call run by a rule must not show one).
WATCH_CARDS = """
() => {
  window.__cardsSeen = 0;
  new MutationObserver(() => {
    if (document.querySelector('[data-testid=approval-card]')) window.__cardsSeen++;
  }).observe(document.body, { subtree: true, childList: true });
}
"""


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


def remove_user_rules(lab: LabServer) -> None:
    for rule in api(lab, "GET", "rules"):
        if rule["source"] == "user":
            api(lab, "DELETE", f"rules/{rule['id']}")


@pytest.fixture
def chat(page: Any, lab_server: LabServer) -> Iterator[ChatPanel]:
    remove_user_rules(lab_server)
    page.add_init_script(CORRUPT_DECISIONS)
    panel = ChatPanel(page, lab_server)
    panel.open_lab()
    panel.open_panel()
    try:
        yield panel
    finally:
        remove_user_rules(lab_server)


def decide(chat: ChatPanel, choice: str, reason: str | None = None) -> None:
    card = chat.t("approval-card")
    from playwright.sync_api import expect

    expect(card).to_have_count(1, timeout=60_000)
    if reason is not None:
        card.locator(tid("reject-reason")).fill(reason)
    card.locator(tid(choice)).click()  # one click decides and sends


def test_allow_in_this_chat_then_revoke_in_the_rules_view(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.send("add 2 and 3")
    decide(chat, "allow-chat")
    expect(chat.t("tool-result").first).to_contain_text("5", timeout=60_000)
    chat.wait_idle()
    page.steps.shot("allowed-in-this-chat")

    # the next call of the tool runs without a card, and says which rule allowed it
    page.evaluate(WATCH_CARDS)
    chat.send("add 4 and 5")
    expect(chat.t("tool-result")).to_have_count(2, timeout=60_000)
    chat.wait_idle()
    last = chat.t("tool-call").last
    expect(last.locator(tid("tool-result"))).to_contain_text("9")
    expect(last.locator(tid("call-rule"))).to_have_text(
        "Allowed by your rule: always allow demo:add in this chat"
    )
    assert page.evaluate("() => window.__cardsSeen") == 0
    page.steps.shot("ran-by-rule")

    # the rules view lists the rule; revoking it makes the next call ask again
    chat.show_servers()
    rows = chat.t("rules-panel").locator(tid("rule-row"))
    expect(rows).to_have_count(1)
    expect(rows.first.locator(tid("rule-text"))).to_have_text("always allow demo:add in this chat")
    revoke = rows.first.locator(tid("rule-remove"))
    expect(revoke).to_have_attribute("aria-label", "Revoke: always allow demo:add in this chat")
    page.steps.shot("rules-view")
    revoke.click()
    expect(rows).to_have_count(0)
    expect(chat.t("rules-empty")).to_be_visible()
    chat.send("add 6 and 7")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    page.steps.shot("asks-again")
    chat.t("approve").click()
    expect(chat.t("tool-result")).to_have_count(3, timeout=60_000)
    chat.wait_idle()


def test_always_allow_lists_a_rule_for_every_chat(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.show_servers()  # open: the view refreshes after the decision by itself
    chat.send("add 1 and 1")
    decide(chat, "allow-always")
    chat.wait_idle()
    rows = chat.t("rules-panel").locator(tid("rule-row"))
    expect(rows).to_have_count(1, timeout=30_000)
    expect(rows.first.locator(tid("rule-text"))).to_have_text("always allow demo:add in every chat")

    chat.new_chat()  # another chat: allowed there too
    chat.use_server("demo")
    chat.send("add 3 and 4")
    expect(chat.t("tool-result")).to_have_count(1, timeout=60_000)
    chat.wait_idle()
    expect(chat.t("call-rule")).to_have_text("Allowed by your rule: always allow demo:add")
    expect(chat.t("approval-card")).to_have_count(0)


def test_block_makes_the_next_call_blocked(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.send("multiply 6 and 7")
    decide(chat, "block", reason="no multiplying")
    chat.wait_idle()
    first = chat.t("tool-call").first
    # refused; which text it carries (the reason, or the new rule's) is the server's part
    expect(first.locator(f'{tid("tool-result")}[data-status="error"]')).to_have_count(1)
    assert "42" not in first.inner_text()
    page.steps.shot("blocked-by-user")

    page.evaluate(WATCH_CARDS)
    chat.send("multiply 2 and 4")
    expect(chat.t("tool-call")).to_have_count(2, timeout=60_000)
    chat.wait_idle()
    last = chat.t("tool-call").last
    expect(last).to_have_attribute("data-status", "blocked")
    expect(last.locator(tid("badge-blocked"))).to_have_text("blocked")
    expect(last.locator(tid("call-rule"))).to_have_text("Blocked: your rule: block demo:multiply")
    expect(last.locator(tid("tool-result"))).to_contain_text("blocked")
    assert "8" not in last.inner_text()
    assert page.evaluate("() => window.__cardsSeen") == 0
    page.steps.shot("blocked-by-rule")

    # after a reload the card still says so (from the tool message's metadata)
    page.reload(wait_until="domcontentloaded")
    page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    chat.open_panel()
    last = chat.t("tool-call").last
    expect(last.locator(tid("badge-blocked"))).to_be_visible(timeout=30_000)
    expect(last.locator(tid("call-rule"))).to_have_text("Blocked: your rule: block demo:multiply")


def test_a_refused_edit_keeps_the_card_and_the_edits(page: Any, chat: ChatPanel) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    chat.send("add 2 and 3")
    card = chat.t("approval-card")
    expect(card).to_have_count(1, timeout=60_000)
    card.locator(tid("edit")).click()
    card.locator(tid("arg-b")).fill("40")
    # the form sends numbers for number fields: the wrong type is injected into the frame
    page.evaluate("() => { window.__mcpchatCorrupt = { a: 'abc' }; }")
    card.locator(tid("edit-run")).click()
    error = card.locator(tid("card-error"))
    expect(error).to_contain_text("do not fit its input schema", timeout=30_000)
    expect(error).to_contain_text("'abc' is not of type 'number'")
    page.steps.shot("edit-refused")
    expect(card).to_have_count(1)
    expect(card.locator(tid("arg-b"))).to_have_value("40")  # the user's edit is kept
    expect(card.locator(tid("arg-a"))).to_be_visible()
    expect(card).to_have_attribute("data-choice", "edit")
    expect(chat.t("submit-decisions")).to_be_enabled()
    expect(chat.t("chat-error")).to_be_hidden()

    page.evaluate("() => { window.__mcpchatCorrupt = null; }")
    chat.t("submit-decisions").click()
    expect(chat.t("tool-result").first).to_contain_text("42", timeout=60_000)
    chat.wait_idle()
    done = chat.t("tool-call").first
    expect(done.locator(tid("badge-edited"))).to_have_text("approved with edits")
    expect(done.locator(tid("original-args"))).to_contain_text('"b": 3')
    expect(done.locator(tid("tool-args"))).to_contain_text('"b": 40')
    page.steps.shot("edited-after-refusal")


@pytest.fixture
def slow_chat(page: Any, llm_lab: LlmLab) -> Iterator[ChatPanel]:
    """The real-model lab with the test MCP server (its `sleep` tool hangs until cancelled)."""
    lab = llm_lab.lab
    llm_lab.llm.clear()
    spec = {"name": "slow", "command": sys.executable, "args": [str(FAKES / "mcp_stdio_server.py")]}
    api(lab, "POST", "servers", spec)
    panel = ChatPanel(page, lab)
    try:
        panel.open_lab()
        panel.open_panel()
        yield panel
    finally:
        llm_lab.llm.clear()
        api(lab, "DELETE", "servers/slow")


def test_stop_while_a_tool_runs_marks_it_cancelled(page: Any, slow_chat: ChatPanel, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    chat = slow_chat
    chat.new_chat()
    chat.use_server("slow")
    llm_lab.llm.queue(tool_call_reply([("slow_sleep", {"seconds": 120})]), text_reply("never reached"))
    chat.send("sleep for a while")
    decide(chat, "approve")
    card = chat.t("tool-call").first
    expect(card.locator(tid("call-status"))).to_have_text("running…", timeout=60_000)
    page.steps.shot("tool-running")
    chat.t("stop").click()
    chat.wait_idle()
    expect(card).to_have_attribute("data-status", "cancelled")
    expect(card.locator(tid("badge-cancelled"))).to_have_text("stopped")
    expect(card.locator(tid("call-status"))).to_have_count(0)  # no "running…" left
    expect(chat.t("transcript")).to_contain_text("Stopped.")
    page.steps.shot("cancelled")

    page.reload(wait_until="domcontentloaded")
    page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    chat.open_panel()
    card = chat.t("tool-call").first
    expect(card.locator(tid("badge-cancelled"))).to_have_text("stopped", timeout=30_000)
    expect(card.locator(tid("call-status"))).to_have_count(0)
    expect(card.locator(tid("tool-result"))).to_contain_text("cancelled by user")
    # the server recorded the Stop: "Stopped.", not a note that the server restarted
    expect(chat.t("transcript")).to_contain_text("Stopped.")
    expect(chat.t("interrupted-note")).to_have_count(0)
    page.steps.shot("cancelled-after-reload")


def kill_lab(lab: LabServer) -> None:
    """SIGKILL the ``jupyter lab`` process serving ``lab`` (a crash: nothing is cleaned up)."""
    port = urllib.parse.urlsplit(lab.url).port
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"--port={port}".encode() in cmdline and any(b"jupyter" in part for part in cmdline[:2]):
            os.kill(int(pid), signal.SIGKILL)
            return
    raise AssertionError(f"no jupyter lab process on port {port}")


def test_a_reply_cut_short_by_a_crash_offers_retry(page: Any, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    first, second, data = (tmp_path / name for name in ("first", "second", "data"))
    for d in (first, second):
        d.mkdir()
    with FakeOpenAI() as llm:
        env = {
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": llm.base_url,
            "MCPCHAT_MODEL": "fake-model",
            "MCPCHAT_DATA_DIR": str(data),  # both labs: the same chats
        }
        with run_lab(first, env) as lab:
            chat = ChatPanel(page, lab)
            chat.open_lab()
            chat.open_panel()
            chat.new_chat()
            llm.queue(text_reply("word " * 400, n_tokens=400, token_delay=0.05))
            chat.send("tell me a long story")
            expect(chat.t("message-assistant")).to_have_count(1, timeout=60_000)  # streaming
            page.steps.shot("streaming")
            kill_lab(lab)
        llm.clear()
        with run_lab(second, env) as lab:  # the same data: the chat ends with the user's message
            chat = ChatPanel(page, lab)
            chat.open_lab()
            chat.open_panel()
            note = chat.t("interrupted-note")
            expect(note).to_contain_text("Interrupted: the server restarted.", timeout=30_000)
            expect(chat.t("message-user")).to_have_text("tell me a long story")
            page.steps.shot("interrupted")
            llm.queue(text_reply("Once upon a time."))
            note.locator(tid("retry")).click()
            expect(chat.t("message-assistant").last).to_contain_text("Once upon a time.", timeout=60_000)
            chat.wait_idle()
            expect(note).to_have_count(0)
            # a new version of the reply, not the same text sent again: the cut-short one stays
            expect(chat.t("message-user")).to_have_count(1)
            expect(chat.t("branch-count")).to_have_text("2/2")
            page.steps.shot("retried")
