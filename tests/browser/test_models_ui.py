"""The model bar in the JupyterLab panel: the per-chat model picker (switching mid-chat), usage per
reply and per chat with cost and a context gauge, and the export buttons (a notebook download read
back with nbformat). The model is a real ChatOpenAI against the local fake, from a catalog file."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest

from tests.browser.conftest import LabServer, run_lab
from tests.browser.panel import ChatPanel
from tests.fakes.openai_server import FakeOpenAI, text_reply

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def catalog_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabServer, FakeOpenAI]]:
    root = tmp_path_factory.mktemp("lab-catalog")
    with FakeOpenAI() as llm:
        catalog = root / "models.json"
        entry = {
            "model": "fake-model",
            "label": "Fake endpoint",
            "base_url": llm.base_url,
            "context_window": 100,
            "input_price": 1000,
            "output_price": 2000,
        }
        catalog.write_text(json.dumps({"models": {"fake": entry}, "default": "fake"}))
        with run_lab(root, {"MCPCHAT_MODEL_CATALOG_FILE": str(catalog)}) as lab:
            yield lab, llm


@pytest.fixture
def chat(page: Any, catalog_lab: tuple[LabServer, FakeOpenAI]) -> ChatPanel:
    lab, llm = catalog_lab
    llm.clear()
    panel = ChatPanel(page, lab)
    panel.open_lab()
    panel.open_panel()
    return panel


def test_picker_usage_gauge_and_switching_mid_chat(
    page: Any, chat: ChatPanel, catalog_lab: tuple[LabServer, FakeOpenAI]
) -> None:
    from playwright.sync_api import expect

    _, llm = catalog_lab
    chat.new_chat()
    picker = chat.t("model-picker")
    expect(picker.locator("option")).to_have_text(["Fake endpoint", "Offline demo model"])
    expect(picker).to_have_value("fake")
    llm.queue(text_reply("one two three"))
    chat.send("count to three")
    chat.wait_idle()
    # the fake counts words: the prompt's (the user's 3 words, plus the system prompt the chat's
    # servers add, e.g. the built-in jupyter tools' instructions), 3 out; prices per million tokens
    usage = re.compile(r"^[1-9][0-9]* in · 3 out · \$0\.[0-9]+$")
    expect(chat.t("reply-usage").last).to_have_text(usage)
    reply = chat.t("reply-usage").last.inner_text()
    expect(chat.t("chat-usage")).to_have_text(reply)  # one reply: the chat's totals are its own
    gauge = chat.t("context-gauge")
    expect(gauge).to_have_attribute("aria-valuenow", re.compile(r"^[1-9][0-9]*$"))
    expect(gauge).to_contain_text("%")
    page.steps.shot("usage")

    picker.select_option("demo")
    expect(chat.t("model-status")).to_have_text("The next reply uses this model.")
    chat.send("what is 2 plus 3?")
    chat.wait_idle()
    expect(chat.t("message-assistant").last).to_contain_text("demo model")
    assert len(llm.requests) == 1  # the demo model answered the second message
    expect(chat.t("model-picker")).to_have_value("demo")
    page.steps.shot("switched")


def test_export_buttons_download_the_chat(page: Any, chat: ChatPanel, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    chat.new_chat()
    chat.send("hello <b>there</b>")
    chat.wait_idle()
    with page.expect_download() as info:
        chat.t("export-ipynb").click()
    download = info.value
    assert download.suggested_filename.endswith(".ipynb")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert any("hello &lt;b&gt;there&lt;/b&gt;" in c.source for c in nb.cells)
    expect(chat.t("model-status")).to_contain_text("Saved")
    with page.expect_download() as info:
        chat.t("export-audit").click()
    assert json.loads(Path(info.value.path()).read_text())["decisions"] == []
