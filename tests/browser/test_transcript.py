"""The transcript in a real Chromium: only what changed re-renders, the view follows the newest content
only while the user is at the bottom, a text selection survives streaming, long chats open at the
newest page and load older pages in place as the user scrolls up.

The chat history is made through the server's REST API (real turns against the fake OpenAI server,
which echoes "You said: ..." when nothing is queued); the streamed reply is a queued slow reply.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LabServer, LlmLab
from tests.browser.panel import ChatPanel, tid
from tests.fakes.openai_server import text_reply, tool_call_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

TURNS = 40  # 80 messages: more than the first page (60), so an older page loads


def api(lab: LabServer, method: str, path: str, body: Any = None) -> Any:
    req = urllib.request.Request(
        f"{lab.url}mcpchat/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {lab.token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


@pytest.fixture(scope="module")
def long_chat(llm_lab: LlmLab) -> Iterator[str]:
    """A chat of TURNS turns (user question, echoed answer), made through the REST API."""
    llm_lab.llm.clear()
    chat = api(llm_lab.lab, "POST", "chats", {"title": "long chat"})
    for i in range(TURNS):
        text = f"Question number {i}: " + "please explain this in a few words. " * 3
        api(llm_lab.lab, "POST", f"chats/{chat['id']}/messages", {"text": text})
    yield chat["id"]


def open_chat(page: Any, lab: LabServer, chat_id: str) -> ChatPanel:
    page.add_init_script(f"localStorage.setItem('mcpchat:last-chat', {json.dumps(chat_id)})")
    panel = ChatPanel(page, lab)
    panel.open_lab()
    panel.open_panel()
    return panel


SCROLL = (
    "() => { const t = document.querySelector('[data-testid=transcript]');"
    " return {top: t.scrollTop, height: t.scrollHeight, client: t.clientHeight}; }"
)


def distance_from_bottom(page: Any) -> float:
    s = page.evaluate(SCROLL)
    return float(s["height"] - s["top"] - s["client"])


def test_scrolled_up_view_and_selection_survive_a_streaming_reply(
    page: Any, llm_lab: LlmLab, long_chat: str
) -> None:
    from playwright.sync_api import expect

    chat = open_chat(page, llm_lab.lab, long_chat)
    expect(chat.t("message-user").last).to_contain_text(f"Question number {TURNS - 1}")
    page.wait_for_function("() => document.querySelector('[data-testid=transcript]').scrollHeight > 0")
    assert distance_from_bottom(page) < 5, "a chat opens at its newest message"
    llm_lab.llm.queue(text_reply("streamed " * 300, n_tokens=300, token_delay=0.03))
    chat.send("stream a long answer")
    streaming = chat.root.locator(".mcpchat-streaming")
    expect(streaming).to_have_count(1, timeout=60_000)

    # the user scrolls up (the wheel, over the transcript) and selects text in an older message
    box = chat.t("transcript").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(6):
        page.mouse.wheel(0, -250)
        page.wait_for_timeout(50)
    older = chat.t("message-user").nth(-8)
    older.scroll_into_view_if_needed()
    marked = older.evaluate(
        """el => { el.__kept = true; const body = el.querySelector('[data-testid=message-body]');
        const r = document.createRange(); r.selectNodeContents(body);
        const s = getSelection(); s.removeAllRanges(); s.addRange(r); return s.toString(); }"""
    )
    assert "Question number" in marked
    before = page.evaluate(SCROLL)
    page.steps.shot("scrolled-up-with-selection")
    page.wait_for_timeout(2000)  # tokens keep streaming in
    expect(streaming).to_have_count(1)  # still streaming, so the wait above saw tokens
    after = page.evaluate(SCROLL)
    assert after["height"] > before["height"], "the streaming reply grew"
    assert abs(after["top"] - before["top"]) <= 1, f"the view moved while scrolled up: {before} -> {after}"
    assert page.evaluate("() => getSelection().toString()") == marked, "the selection was cleared"
    assert older.evaluate("el => el.__kept === true"), "a finished message was rendered again"

    # back at the bottom: the view follows the reply to its end
    page.evaluate(
        "() => { const t = document.querySelector('[data-testid=transcript]'); t.scrollTop = t.scrollHeight; }"
    )
    page.wait_for_timeout(300)
    page.steps.shot("back-at-bottom")
    chat.wait_idle()
    expect(streaming).to_have_count(0)
    page.wait_for_timeout(300)
    assert distance_from_bottom(page) < 5, "the view did not follow the reply"
    assert older.evaluate("el => el.__kept === true"), "the end of the stream re-rendered older messages"


def test_long_chat_opens_at_the_newest_page_and_loads_older_in_place(
    page: Any, llm_lab: LlmLab, long_chat: str
) -> None:
    from playwright.sync_api import expect

    chat = open_chat(page, llm_lab.lab, long_chat)
    bar = chat.t("older-messages")
    expect(bar).to_be_visible()
    users = chat.t("message-user")
    first_count = users.count()
    assert first_count < TURNS, "the whole history was rendered at once"
    first = users.first
    first_text = first.inner_text()
    page.steps.shot("newest-page")

    # scroll to the top: the older page loads above, the message that was first stays where it was
    page.evaluate("() => { document.querySelector('[data-testid=transcript]').scrollTop = 0; }")
    page.wait_for_timeout(100)
    top_before = chat.root.locator(
        f'{tid("message-user")}:has-text("{first_text[:30]}")'
    ).first.bounding_box()["y"]
    expect(bar).to_have_count(0, timeout=30_000)  # all loaded
    expect(users.first).to_contain_text("Question number 0:")
    assert users.count() >= TURNS
    page.wait_for_timeout(200)
    top_after = chat.root.locator(
        f'{tid("message-user")}:has-text("{first_text[:30]}")'
    ).first.bounding_box()["y"]
    assert abs(top_after - top_before) <= 2, f"the view jumped by {top_after - top_before} px"
    page.steps.shot("older-loaded")


def test_view_follows_tool_cards_at_the_bottom(page: Any, llm_lab: LlmLab) -> None:
    from playwright.sync_api import expect

    llm_lab.llm.clear()
    chat_id = api(llm_lab.lab, "POST", "chats", {"title": "cards", "servers": ["demo"]})["id"]
    for i in range(12):
        api(llm_lab.lab, "POST", f"chats/{chat_id}/messages", {"text": f"filler {i} " + "words " * 30})
    chat = open_chat(page, llm_lab.lab, chat_id)
    llm_lab.llm.queue(tool_call_reply([("demo_add", {"a": 2, "b": 3})]), text_reply("The sum is 5."))
    chat.send("add 2 and 3")
    expect(chat.t("approval-card")).to_have_count(1, timeout=60_000)
    page.wait_for_timeout(300)
    assert distance_from_bottom(page) < 5, "the view left the bottom when the card appeared"
    chat.t("approve").first.click()  # one click decides and sends
    chat.wait_idle()
    expect(chat.t("tool-call")).to_have_count(1)
    expect(chat.t("message-assistant").last).to_contain_text("The sum is 5.")
    page.wait_for_timeout(300)
    assert distance_from_bottom(page) < 5, "the view did not follow the tool card and the reply"
    page.steps.shot("card-at-bottom")


HUGE_TEX = "x" + "^{x" * 3000 + "}" * 3000


def test_markdown_highlight_math_copy_and_hostile_math(page: Any, llm_lab: LlmLab) -> None:
    """One renderer: links, tables, quotes, highlighted code, KaTeX MathML; hostile markup inside
    math, code and tables fetches and runs nothing; Copy gives the reply's markdown source."""
    from playwright.sync_api import expect

    from tests.browser.test_hostile_content import Attacker

    attacker = Attacker()
    attacker.thread.start()
    a = attacker.url
    try:
        llm_lab.llm.clear()
        chat_id = api(llm_lab.lab, "POST", "chats", {"title": "markdown"})["id"]
        chat = open_chat(page, llm_lab.lab, chat_id)
        reply = "\n\n".join(
            [
                "See [the docs](https://example.org/docs).",
                f"| a | b |\n|---|---|\n| <img src={a}/table-img> | <style>body{{background:url({a}/table-style)}}</style> |",
                "> a quoted line",
                "```python\ndef f(x):\n    return x  # <script>window.__pwned='code'</script>\n```",
                "Euler: $e^{i\\pi} + 1 = 0$.",
                "$$\\sum_{i=1}^n i = \\frac{n(n+1)}{2}$$",
                f"$\\href{{javascript:window.__pwned='href'}}{{click}}$ and $\\url{{{a}/url}}$",
                f"$\\text{{<img src={a}/math-img>}}$",
                f"$${HUGE_TEX}$$",
                "[js](javascript:window.__pwned='link') <a href=\"javascript:window.__pwned='a'\">a</a>",
            ]
        )
        llm_lab.llm.queue(text_reply(reply))
        chat.send("render things")
        msg = chat.t("message-assistant").last
        expect(msg.locator(tid("message-copy"))).to_be_visible(timeout=60_000)
        chat.wait_idle()
        page.wait_for_timeout(1500)  # time for anything to be fetched
        page.steps.shot("rendered")

        assert attacker.seen() == [], attacker.seen()
        assert page.evaluate("() => window.__pwned ?? null") is None
        body = msg.locator(tid("message-body"))
        assert body.locator("style, script, iframe, form, input, svg, [style]").count() == 0
        assert body.locator("a[href^='javascript' i]").count() == 0
        assert body.locator("[href]:not(a)").count() == 0  # no href in MathML
        assert body.locator(".mcpchat-math math").count() >= 2
        assert body.locator("math [href], math [style], math mglyph").count() == 0
        assert body.locator(".hljs-keyword").count() >= 1
        expect(body.locator("pre code")).to_contain_text("def f(x):")
        border = body.locator("td").first.evaluate("e => getComputedStyle(e).borderTopWidth")
        bar = body.locator("blockquote").evaluate("e => getComputedStyle(e).borderLeftWidth")
        assert border != "0px" and bar != "0px"
        # the huge formula is shown as its source, not rendered
        assert body.locator(".mcpchat-math-source").count() >= 1

        page.evaluate(
            "() => { navigator.clipboard.writeText = t => { window.__copied = t; return Promise.resolve(); }; }"
        )
        msg.locator(tid("message-copy")).click()
        expect(msg.locator(tid("message-copy"))).to_have_text("Copied")
        assert page.evaluate("() => window.__copied") == reply
    finally:
        attacker.server.shutdown()
        attacker.server.server_close()
