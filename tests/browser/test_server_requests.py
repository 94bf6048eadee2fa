"""An MCP server's own requests in the JupyterLab panel: the elicitation card (a form from the
server's schema, a refused answer shown in the card, accept) and the sampling card (approve the
request, then the model's answer), the server's hostile text inert in both; an open card is back
after a reload, and of two tabs answering it only the first answer reaches the server. The
real-model lab (ChatOpenAI against the local fake endpoint) and the asking FastMCP server over
stdio, which writes every answer it receives to a ledger file."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import LlmLab
from tests.browser.panel import ChatPanel, tid
from tests.browser.test_approval_rules import api, decide
from tests.fakes.openai_server import text_reply, tool_call_reply
from tests.mcp_servers.specs import FAKES

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

HOSTILE = "<img src=x onerror=\"window.__pwned='request'\"><script>window.__pwned='script'</script> Who?"


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    return tmp_path / "ledger.txt"


@pytest.fixture
def asking_chat(page: Any, llm_lab: LlmLab, ledger: Path) -> Iterator[ChatPanel]:
    lab = llm_lab.lab
    llm_lab.llm.clear()
    server = {"name": "asking", "command": sys.executable, "args": [str(FAKES / "asking_server.py")]}
    api(lab, "POST", "servers", {**server, "env": {"ASK_LEDGER": str(ledger)}})
    panel = ChatPanel(page, lab)
    try:
        panel.open_lab()
        panel.open_panel()
        panel.new_chat()
        panel.use_server("asking")
        yield panel
    finally:
        llm_lab.llm.clear()
        api(lab, "DELETE", "servers/asking")


def _inert(page: Any, card: Any) -> None:
    from playwright.sync_api import expect

    expect(card.locator(tid("request-message"))).to_contain_text("<img src=x onerror=")
    expect(card.locator("img, script")).to_have_count(0)
    assert page.evaluate("window.__pwned") is None


def test_elicitation_card_refuses_a_bad_answer_then_accepts(
    page: Any, asking_chat: ChatPanel, llm_lab: LlmLab
) -> None:
    from playwright.sync_api import expect

    chat = asking_chat
    llm_lab.llm.queue(tool_call_reply([("asking_ask_form", {"message": HOSTILE})]), text_reply("thanks"))
    chat.send("ask me")
    decide(chat, "approve")
    card = chat.t("elicitation-card")
    expect(card.locator(tid("request-server"))).to_have_text("asking", timeout=60_000)
    _inert(page, card)
    card.locator(tid("arg-name")).fill("Ada")
    card.locator(tid("arg-age")).fill("999")  # out of the server's range: refused, nothing sent
    card.locator(tid("elicit-accept")).click()
    expect(card.locator(tid("request-error"))).to_contain_text("age", timeout=30_000)
    page.steps.shot("elicitation-refused")
    card.locator(tid("arg-age")).fill("36")
    card.locator(tid("elicit-accept")).click()
    expect(card.locator(tid("request-status"))).to_have_text("You accepted.", timeout=30_000)
    expect(chat.t("tool-result").last).to_contain_text("accept name=Ada age=36", timeout=60_000)
    chat.wait_idle()


def test_sampling_card_approves_the_request_then_the_answer(
    page: Any, asking_chat: ChatPanel, llm_lab: LlmLab
) -> None:
    from playwright.sync_api import expect

    chat, llm = asking_chat, llm_lab.llm
    llm.queue(
        tool_call_reply([("asking_sample", {"prompt": HOSTILE, "max_tokens": 99_999_999})]),
        text_reply("<b>forty-two</b>"),
        text_reply("done"),
    )
    chat.send("sample")
    decide(chat, "approve")
    card = chat.t("sampling-card").first
    expect(card.locator(tid("sampling-message"))).to_contain_text("<img src=x onerror=", timeout=60_000)
    expect(card.locator("img, script")).to_have_count(0)
    expect(card.locator(tid("sampling-limit"))).to_contain_text("the server asked for 99999999")
    card.locator(tid("sampling-approve")).click()
    result = page.locator('[data-testid="sampling-card"][data-stage="result"]')
    expect(result.locator(tid("sampling-result"))).to_have_text("<b>forty-two</b>", timeout=60_000)
    expect(result.locator("b")).to_have_count(0)
    # what the model spent (the fake endpoint counts words: one out)
    expect(result.locator(tid("sampling-usage"))).to_have_text(re.compile(r"^Used \d+ in · 1 out tokens$"))
    page.steps.shot("sampling-result")
    result.locator(tid("sampling-approve")).click()
    expect(chat.t("tool-result").last).to_contain_text("sampled: <b>forty-two</b>", timeout=60_000)
    # the call's card says what its server's sampling spent (counted in the chat's totals)
    expect(chat.t("call-sampling-usage")).to_have_text(re.compile(r"^Sampling: \d+ in · 1 out$"))
    assert page.evaluate("window.__pwned") is None
    chat.wait_idle()


def _received(ledger: Path) -> list[str]:
    """The answers the MCP server received."""
    return ledger.read_text().splitlines() if ledger.exists() else []


def _open_card(page: Any, chat: ChatPanel) -> Any:
    from playwright.sync_api import expect

    card = chat.t("elicitation-card")
    expect(card).to_have_count(1, timeout=60_000)
    expect(card.locator(tid("request-server"))).to_have_text("asking", timeout=60_000)
    expect(card.locator(tid("elicit-accept"))).to_be_visible()
    return card


def test_an_open_card_is_back_after_a_reload_and_answered_once(
    page: Any, asking_chat: ChatPanel, llm_lab: LlmLab, ledger: Path
) -> None:
    from playwright.sync_api import expect

    chat = asking_chat
    llm_lab.llm.queue(tool_call_reply([("asking_ask_form", {"message": HOSTILE})]), text_reply("thanks"))
    chat.send("ask me")
    decide(chat, "approve")
    _open_card(page, chat).locator(tid("arg-name")).fill("typed before the reload")
    page.reload(wait_until="domcontentloaded")
    page.locator("#jp-main-dock-panel").wait_for(timeout=60_000)
    chat.open_panel()
    card = _open_card(page, chat)  # the server's request, from the chat's history
    _inert(page, card)
    page.steps.shot("card-after-reload")
    card.locator(tid("arg-name")).fill("Ada")
    card.locator(tid("arg-age")).fill("36")
    card.locator(tid("elicit-accept")).click()
    expect(card.locator(tid("request-status"))).to_have_text("You accepted.", timeout=30_000)
    expect(chat.t("tool-result").last).to_contain_text("accept name=Ada age=36", timeout=60_000)
    chat.wait_idle()
    assert _received(ledger) == ["answered: accept name=Ada age=36"]


def test_two_tabs_answer_at_once_and_the_server_gets_one_answer(
    page: Any, asking_chat: ChatPanel, llm_lab: LlmLab, ledger: Path
) -> None:
    from playwright.sync_api import expect

    chat = asking_chat
    llm_lab.llm.queue(tool_call_reply([("asking_ask_form", {})]), text_reply("thanks"))
    chat.send("ask me")
    decide(chat, "approve")
    first = _open_card(page, chat)
    other = page.context.new_page()  # the same user's second tab, on the same chat
    other.steps = page.steps
    tab = ChatPanel(other, chat.lab)
    tab.open_lab()
    tab.open_panel()
    assert tab.current_chat_id() == chat.current_chat_id()
    second = _open_card(other, tab)
    for card, name in ((first, "Ada"), (second, "Eve")):
        card.locator(tid("arg-name")).fill(name)
        card.locator(tid("arg-age")).fill("30")
    # both clicks go out before either tab hears how the request settled
    first.locator(tid("elicit-accept")).dispatch_event("click")
    second.locator(tid("elicit-accept")).dispatch_event("click")
    result = chat.t("tool-result").last
    expect(result).to_contain_text("accept name=", timeout=60_000)
    chat.wait_idle()
    [got] = _received(ledger)  # one answer reached the server
    winner = "Ada" if "name=Ada" in got else "Eve"
    expect(result).to_contain_text(f"accept name={winner} age=30")
    loser = second if winner == "Ada" else first
    for card in (first, second):  # every view shows how it settled
        expect(card.locator(tid("request-status"))).to_contain_text("You accepted.", timeout=30_000)
    expect(loser.locator(tid("request-error"))).to_contain_text("already answered", timeout=30_000)
    expect(loser.locator(tid("request-error"))).to_contain_text("changed nothing")
    page.steps.shot("two-tabs")
    doc = api(chat.lab, "GET", f"chats/{chat.current_chat_id()}/export?format=audit")
    assert [r["action"] for r in doc["decisions"] if r["tool"] == "elicitation/create"] == ["accept"]
    other.close()


def test_titled_choices_are_a_select_and_checkboxes(
    page: Any, asking_chat: ChatPanel, llm_lab: LlmLab, ledger: Path
) -> None:
    from playwright.sync_api import expect

    chat = asking_chat
    llm_lab.llm.queue(tool_call_reply([("asking_ask_choices", {})]), text_reply("ok"))
    chat.send("pick")
    decide(chat, "approve")
    card = _open_card(page, chat)
    colour = card.locator(f"select{tid('arg-colour')}")  # a select of the titles, not JSON
    expect(colour.locator("option")).to_have_text(["Choose…", "Red", "Green"])
    fruit = card.locator(tid("arg-fruit"))
    expect(fruit.locator("label")).to_have_text(["Apples", "Bananas", "Cherries"])
    expect(card.locator("textarea")).to_have_count(0)
    card.locator(tid("elicit-accept")).click()  # nothing chosen: named, nothing sent
    expect(card.locator(tid("request-error"))).to_have_text("colour: choose one")
    colour.select_option(label="Green")
    for i in range(3):
        card.locator(tid(f"arg-fruit-{i}")).check()
    card.locator(tid("elicit-accept")).click()
    expect(card.locator(tid("request-error"))).to_have_text("fruit: choose at most 2")
    page.steps.shot("choices-refused")
    card.locator(tid("arg-fruit-1")).uncheck()
    card.locator(tid("elicit-accept")).click()
    expect(card.locator(tid("request-status"))).to_have_text("You accepted.", timeout=30_000)
    expect(chat.t("tool-result").last).to_contain_text("accept colour=g fruit=a,c", timeout=60_000)
    chat.wait_idle()
    assert _received(ledger) == ["answered: accept colour=g fruit=a,c"]
