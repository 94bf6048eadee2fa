"""Hostile model and MCP content in a real Chromium: it fetches nothing, runs nothing, hides nothing.

A tiny "attacker" HTTP server on 127.0.0.1 records every request it gets. The model (a real
ChatOpenAI against the local fake OpenAI server) and an MCP server (``tests/fakes/hostile_payloads.py
serve``) write markup that, rendered raw or with a lax sanitiser, would load images and styles from
it, post a form to it, run script, or hide the approval buttons. After rendering the attacker must
have seen no request at all; a remote image loads only when its placeholder is clicked.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.browser.conftest import REPO_ROOT, VENV_BIN, LlmLab
from tests.browser.panel import ChatPanel, tid
from tests.fakes.hostile_payloads import (
    PNG_1X1,
    SECRET,
    approval_css_attack,
    fetching_payloads,
    hostile_reply,
)
from tests.fakes.openai_server import text_reply, tool_call_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

# elements no model or MCP byte may create in the transcript
FORBIDDEN = (
    "script, style, link, meta, base, iframe, frame, object, embed, form, input, textarea, select,"
    " svg, math, video, audio, source, picture, canvas, template"
)
# the only buttons / test ids inside rendered content are the ones our code adds
OWN_TESTIDS = {
    "remote-image",
    "link-host",
    "code-copy",
    "code-insert",
    "loaded-image",
    # the MCP annotation badges and the read-only rule button (ui/annotations.ts)
    "tool-badges",
    "tool-title",
    "allow-read-only",
}
OWN_CLASSES = {
    "mcpchat-code",
    "mcpchat-code-bar",
    "mcpchat-code-lang",
    "mcpchat-code-btn",
    "mcpchat-remote-image",
    "mcpchat-link-host",
    "mcpchat-blocked-image",
    # the markdown renderer's own wrappers (markdown.ts, render/math.ts)
    "mcpchat-md-block",
    "mcpchat-math",
    "mcpchat-math-display",
    "mcpchat-math-source",
    # the MCP annotation badges (the server's claims, as text) and our buttons (ui/annotations.ts)
    "mcpchat-tool-hints",
    "mcpchat-badges",
    "mcpchat-badge",
    "mcpchat-badge-read-only",
    "mcpchat-badge-destructive",
    "mcpchat-badge-open-world",
    "mcpchat-badge-idempotent",
    "mcpchat-badge-conflict",
    "mcpchat-tool-title",
    "mcpchat-btn",
    "mcpchat-small",
}
SETTLE_MS = 1500  # time for lazy loads (images, styles, iframes) to be requested after a render

PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63606060f80f0001040100d8f4a5a60000000049454e44ae426082"
)


class Attacker:
    """An HTTP server that answers every request with a 1x1 PNG and records the request line."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self._lock = threading.Lock()
        attacker = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                with attacker._lock:
                    attacker.requests.append(f"{self.command} {self.path}")
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Cache-Control", "max-age=3600")
                self.send_header("Content-Length", str(len(PNG_BYTES)))
                self.end_headers()
                self.wfile.write(PNG_BYTES)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.host = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.host}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def seen(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()


@pytest.fixture(scope="module")
def attacker() -> Iterator[Attacker]:
    a = Attacker()
    a.thread.start()
    try:
        yield a
    finally:
        a.server.shutdown()
        a.server.server_close()


@pytest.fixture
def chat(page: Any, llm_lab: LlmLab, attacker: Attacker) -> ChatPanel:
    llm_lab.llm.clear()
    attacker.clear()
    panel = ChatPanel(page, llm_lab.lab)
    panel.open_lab()
    panel.open_panel()
    return panel


def settle(page: Any) -> None:
    page.wait_for_timeout(SETTLE_MS)


def assert_nothing_ran(page: Any) -> None:
    assert page.evaluate("() => window.__pwned ?? null") is None


def assert_inert(scope: Any) -> None:
    """No forbidden element, style, handler, foreign class or test id inside the ``scope`` elements."""
    from playwright.sync_api import expect

    expect(scope.locator(FORBIDDEN)).to_have_count(0)
    found = scope.evaluate_all(
        """(roots) => {
          const out = {style: [], handlers: [], classes: [], testids: [], buttons: []};
          for (const el of roots.flatMap(r => [...r.querySelectorAll('*')])) {
            for (const at of el.getAttributeNames()) {
              if (at === 'style' || at === 'srcdoc' || at === 'srcset') out.style.push(el.tagName + ' ' + at);
              if (at.startsWith('on')) out.handlers.push(el.tagName + ' ' + at);
            }
            for (const c of el.classList) if (c.startsWith('mcpchat-')) out.classes.push(c);
            if (el.dataset.testid) out.testids.push(el.dataset.testid);
            if (el.tagName === 'BUTTON') out.buttons.push(el.dataset.testid ?? '');
          }
          return out;
        }"""
    )
    assert found["style"] == [], found["style"]
    assert found["handlers"] == [], found["handlers"]
    assert set(found["classes"]) <= OWN_CLASSES, set(found["classes"]) - OWN_CLASSES
    assert set(found["testids"]) <= OWN_TESTIDS, set(found["testids"]) - OWN_TESTIDS
    assert set(found["buttons"]) <= OWN_TESTIDS, found["buttons"]


def assert_links_safe(body: Any) -> None:
    links = body.evaluate(
        "(root) => [...root.querySelectorAll('a[href]')].map(a => ({href: a.getAttribute('href'),"
        " rel: a.rel, target: a.target, title: a.title}))"
    )
    for link in links:
        assert link["href"].startswith(("http://", "https://", "mailto:")), link
        assert set(link["rel"].split()) >= {"noopener", "noreferrer", "nofollow"}, link
        assert link["target"] == "_blank", link
        assert link["title"], link  # the real target shows on hover


def test_hostile_reply_fetches_nothing_and_runs_nothing(
    page: Any, chat: ChatPanel, llm_lab: LlmLab, attacker: Attacker
) -> None:
    from playwright.sync_api import expect

    a = attacker.url
    chat.new_chat()
    llm_lab.llm.queue(text_reply(hostile_reply(a)))
    title = f"<img src={a}/title onerror=window.__pwned=1>"  # the first message names the chat
    chat.send(title)
    reply = chat.t("message-assistant").last
    expect(reply).to_contain_text("Here is your report", timeout=60_000)
    chat.wait_idle()
    settle(page)
    page.steps.shot("hostile-reply")

    assert attacker.seen() == []
    assert_nothing_ran(page)
    body = reply.locator(tid("message-body"))
    assert_inert(chat.t("message-body"))
    assert_links_safe(body)
    expect(chat.t("message-user").last).to_have_text(title)  # the user's text, as text
    expect(chat.t("chat-title")).to_have_text(title[:60])  # titles are the first 60 characters
    # the imitation of our approve button is not a button, not ours, and has no test id
    expect(chat.root.locator(tid("approve"))).to_have_count(0)
    expect(chat.root.locator(tid("submit-decisions"))).to_have_count(0)

    # a link whose text is another URL shows its real host
    spoof = body.locator("a", has_text="https://docs.python.org/3/")
    expect(spoof).to_have_count(1)
    assert attacker.host in (spoof.get_attribute("title") or "")
    host_note = body.locator(tid("link-host")).filter(has_text=attacker.host)
    expect(host_note).to_have_count(1)
    # javascript: links lose their target
    expect(body.locator("a", has_text="click me")).not_to_have_attribute("href", "javascript:.*")
    assert body.locator('a[href^="javascript"]').count() == 0

    # data: images of allowed types render; svg data images do not
    expect(body.locator(f'img[src="{PNG_1X1}"]')).to_have_count(1)
    expect(body.locator('img[src^="data:image/svg"]')).to_have_count(0)
    # every <img> left is a data: image
    for src in body.locator("img").evaluate_all("els => els.map(e => e.getAttribute('src'))"):
        assert src.startswith("data:image/png;base64,"), src

    # remote images are placeholders naming their host; only a click loads one
    remote = body.locator(tid("remote-image")).filter(has_text=attacker.host)
    expect(remote).to_have_count(2)  # the markdown image and the raw <img>
    expect(remote.first).to_contain_text(f"Image from {attacker.host}")
    expect(remote.first).to_contain_text("load image")
    md_img = remote.filter(has_text="chart")
    expect(md_img).to_have_count(1)
    md_img.click()
    loaded = body.locator(f'img[src="{a}/md-img?d={SECRET}"]')
    expect(loaded).to_have_count(1)
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth > 0", arg=loaded.element_handle(), timeout=10_000
    )
    settle(page)
    assert attacker.seen() == [f"GET /md-img?d={SECRET}"]
    expect(body.locator(tid("remote-image")).filter(has_text=attacker.host)).to_have_count(1)
    page.steps.shot("one-image-loaded")


def test_style_in_a_reply_cannot_hide_or_relabel_the_approval_card(
    page: Any, chat: ChatPanel, llm_lab: LlmLab, attacker: Attacker
) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.use_server("demo")
    llm_lab.llm.queue(tool_call_reply([("demo_add", {"a": 2, "b": 3})], text=approval_css_attack()))
    chat.send("add two and three")
    card = chat.t("approval-card")
    expect(card).to_have_count(1, timeout=60_000)
    expect(chat.t("message-assistant").last).to_contain_text("Let me check that for you", timeout=30_000)
    page.steps.shot("approval-under-attack")

    for name in ("approve", "edit", "reject", "reject-reason"):
        expect(card.locator(tid(name))).to_be_visible()
    name_el = card.locator(tid("tool-name"))
    expect(name_el).to_have_text("add")
    expect(card.locator(tid("tool-server"))).to_have_text("demo")
    style = name_el.evaluate(
        "(el) => ({size: parseFloat(getComputedStyle(el).fontSize),"
        " after: getComputedStyle(el, '::after').content})"
    )
    assert style["size"] > 0, style
    assert style["after"] in ("none", "normal", ""), style
    # nothing of the reply's style reached the page, and nothing covers the buttons
    leaked = page.evaluate(
        "() => [...document.querySelectorAll('style')].filter(s => s.textContent.includes('harmless_read')).length"
    )
    assert leaked == 0
    assert_inert(chat.t("message-body"))
    approve = card.locator(tid("approve"))
    on_top = approve.evaluate(
        "(el) => { const r = el.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);"
        " return hit === el || el.contains(hit); }"
    )
    assert on_top, "something covers the Approve button"

    approve.click()
    expect(chat.t("tool-result").first).to_contain_text("5", timeout=60_000)
    chat.wait_idle()
    assert attacker.seen() == []
    page.steps.shot("approved")


def _add_hostile_server(chat: ChatPanel, attacker: Attacker) -> None:
    from playwright.sync_api import expect

    chat.show_servers()
    chat.t("add-server").locator("summary").click()
    chat.t("add-name").fill("hostile")
    chat.t("add-command").fill(str(VENV_BIN / "python"))
    script = REPO_ROOT / "tests" / "fakes" / "hostile_payloads.py"
    chat.t("add-args").fill(f"{script}\nserve\n{attacker.url}")
    chat.t("add-submit").click()
    row = chat.server_row("hostile")
    expect(row).to_have_count(1, timeout=30_000)
    if row.get_attribute("data-state") != "ready":
        row.locator(tid("server-connect")).click()
    expect(row).to_have_attribute("data-state", "ready", timeout=60_000)
    chat.use_server("hostile")


def test_hostile_mcp_descriptions_arguments_and_outputs_stay_text(
    page: Any, chat: ChatPanel, llm_lab: LlmLab, attacker: Attacker
) -> None:
    from playwright.sync_api import expect

    a = attacker.url
    chat.new_chat()
    _add_hostile_server(chat, attacker)
    tools = chat.server_row("hostile").locator(tid("server-tools"))
    tools.locator("summary").click()
    expect(tools).to_contain_text("Echo the text back. <img", timeout=30_000)
    assert_inert(chat.t("server-panel").locator(tid("server-tools")))
    settle(page)
    assert attacker.seen() == []
    page.steps.shot("hostile-tools-listed")
    chat.t("toggle-servers").click()

    payload = hostile_reply(a)
    llm_lab.llm.queue(
        tool_call_reply(
            [
                ("hostile_report", {}),
                ("hostile_echo", {"text": payload}),
                ("hostile_fail", {"message": payload}),
            ]
        )
    )
    chat.send("run the hostile tools")
    cards = chat.t("approval-card")
    expect(cards).to_have_count(3, timeout=60_000)
    echo = cards.filter(has=page.locator(tid("tool-name"), has_text="echo"))
    expect(echo.locator(tid("tool-args"))).to_contain_text("<img")  # arguments as text
    echo.locator(tid("edit")).click()  # the schema form shows the argument's hostile description
    expect(echo.locator(".mcpchat-arg-desc")).to_contain_text("onerror")
    # descriptions, argument descriptions and arguments are plain text: no element in them at all
    model_text = cards.locator(f".mcpchat-tool-desc, .mcpchat-arg-desc, {tid('tool-args')}")
    expect(model_text).to_have_count(3 + 3 + 1)
    assert model_text.evaluate_all("(els) => els.reduce((n, e) => n + e.childElementCount, 0)") == 0
    settle(page)
    assert attacker.seen() == []
    assert_nothing_ran(page)
    page.steps.shot("hostile-approvals")

    chat.t("approve-all").click()
    results = chat.t("tool-result")
    expect(results).to_have_count(3, timeout=60_000)
    reply = chat.t("message-assistant").last
    expect(reply).to_contain_text("The tool returned:", timeout=60_000)
    chat.wait_idle()
    settle(page)
    page.steps.shot("hostile-results")

    assert attacker.seen() == []
    assert_nothing_ran(page)
    # tool output is shown as text: the payload's markup is readable, none of it is markup
    for i in range(3):
        expect(results.nth(i).locator("pre")).to_contain_text(fetching_payloads(a)["script"])
    assert_inert(chat.t("message-body"))
    assert_inert(results.locator("pre"))
    assert_links_safe(reply.locator(tid("message-body")))
    # the model repeats the output as markdown: remote images are placeholders there too
    expect(reply.locator(tid("remote-image")).filter(has_text=attacker.host).first).to_be_visible()


def test_hostile_model_error_text_stays_text(
    page: Any, chat: ChatPanel, llm_lab: LlmLab, attacker: Attacker
) -> None:
    from playwright.sync_api import expect

    a = attacker.url
    chat.new_chat()
    markup = f"<img src={a}/error-img onerror=window.__pwned=1><style>*{{display:none}}</style>"
    llm_lab.llm.fail_next(status=500, message=markup)
    chat.send("hello")
    err = chat.t("chat-error")
    expect(err).to_be_visible(timeout=60_000)
    expect(err).to_contain_text("<img")
    chat.wait_idle()
    settle(page)
    assert attacker.seen() == []
    assert_nothing_ran(page)
    expect(err.locator("img, style")).to_have_count(0)
    expect(chat.t("chat-input")).to_be_visible()
