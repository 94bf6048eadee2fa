"""Browser tests: a real ``jupyter lab`` server (offline demo model) driven by headless Chromium.

Run: ``.venv/bin/pytest -m browser tests/browser``. Needs /usr/bin/chromium (Debian package) and the
built labextension (``pip install -e .`` or ``jlpm --cwd labextension build:prod``). Screenshots of every
step (and of failures) go to ``test-artifacts/browser/<test>/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.ports import free_port as _free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"
CHROMIUM = "/usr/bin/chromium"
TOKEN = "xyz"
VENV_BIN = Path(sys.executable).parent

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def jp_asyncio_loop() -> Iterator[None]:
    """Disable pytest-jupyter's per-test loop: sync Playwright runs its own."""
    yield None


@pytest.fixture(autouse=True)
def jp_server_cleanup() -> Iterator[None]:
    yield None


@dataclass
class LabServer:
    url: str  # base url with trailing slash
    token: str
    root: Path
    data_dir: Path
    log: Path

    def lab_url(self, path: str = "lab") -> str:
        return f"{self.url}{path}?token={self.token}"

    def notebook_url(self, name: str) -> str:
        """``name`` opened in a workspace of its own: the default workspace restores the notebooks
        earlier tests opened (hidden tabs whose cells match the same selectors), so a test that
        opens a notebook starts from a clean layout; a reload restores that same workspace."""
        return self.lab_url(f"lab/workspaces/t{uuid.uuid4().hex[:12]}/tree/{name}")


def _labextension_installed() -> bool:
    out = subprocess.run(
        [str(VENV_BIN / "jupyter"), "labextension", "list"], capture_output=True, text=True, timeout=60
    )
    return "mcpchat-ext" in (out.stdout + out.stderr)


def _this_checkouts_build() -> str | None:
    """A data dir whose ``labextensions/mcpchat-ext`` is this checkout's own build, first on JUPYTER_PATH.

    JupyterLab takes the first extension of a name it finds, so a git worktree's browser tests load that
    worktree's build, not whatever checkout the virtual environment's share dir links to.
    """
    built = REPO_ROOT / "mcpchat_ext" / "labextension"
    if not (built / "package.json").exists():
        return None
    link = ARTIFACTS.parent / "jupyter-path" / "labextensions" / "mcpchat-ext"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not (link.is_symlink() and link.resolve() == built.resolve()):
        link.unlink(missing_ok=True)
        link.symlink_to(built)
    return str(link.parent.parent)


@contextlib.contextmanager
def run_lab(root: Path, extra_env: dict[str, str] | None = None) -> Iterator[LabServer]:
    """A ``jupyter lab`` subprocess serving ``root`` (own config, settings and data dirs)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} missing (apt-get install -y chromium)")
    if not _labextension_installed():
        pytest.skip("the mcpchat-ext labextension is not installed (pip install -e .)")
    data_dir = root / "mcpchat-data"
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MCPCHAT_", "PYTEST_"))}
    env["MCPCHAT_DATA_DIR"] = str(data_dir)
    env["JUPYTER_CONFIG_DIR"] = str(root / ".jupyter")  # no user config leaks in
    env["JUPYTERLAB_WORKSPACES_DIR"] = str(root / ".workspaces")
    settings = root / ".lab-settings"
    env["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    notification = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text('{"fetchNews": "false", "checkForUpdates": false}')
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH")) if p)
    env["JUPYTER_PATH"] = os.pathsep.join(p for p in (_this_checkouts_build(), env.get("JUPYTER_PATH")) if p)
    env.update(extra_env or {})
    log = root / "jupyter.log"
    cmd = [
        str(VENV_BIN / "jupyter"),
        "lab",
        "--no-browser",
        f"--port={port}",
        "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.open_browser=False",
        "--allow-root",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("wb") as log_file:
        proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited: {log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}api/status?token={TOKEN}", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"jupyter lab did not start: {log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield LabServer(url=url, token=TOKEN, root=root, data_dir=data_dir, log=log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        if log.exists():
            shutil.copy(log, ARTIFACTS / f"jupyter-{root.name}.log")


@pytest.fixture(scope="package")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """Lab with the offline demo model (no OPENAI_API_KEY)."""
    with run_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@dataclass
class LlmLab:
    lab: LabServer
    llm: Any  # tests.fakes.openai_server.FakeOpenAI


@pytest.fixture(scope="package")
def llm_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlmLab]:
    """Lab whose model is a real ChatOpenAI talking to the local fake OpenAI server."""
    from tests.fakes.openai_server import FakeOpenAI

    with FakeOpenAI() as llm:
        env = {"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": llm.base_url, "MCPCHAT_MODEL": "fake-model"}
        with run_lab(tmp_path_factory.mktemp("lab-llm"), env) as lab:
            yield LlmLab(lab=lab, llm=llm)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # module scope: sync Playwright keeps an asyncio loop marked running while it is open, which
    # breaks asyncio tests of other modules (pytest-asyncio, pytest-jupyter) in the same session
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


class Steps:
    """Numbered screenshots of one test: each step's with ``MCPCHAT_TEST_SHOTS=1`` (a screenshot
    costs a fifth of a second on a loaded 2-core machine, and a run takes hundreds), the last
    one of a failed test always."""

    def __init__(self, page: Any, name: str) -> None:
        self.page = page
        self.dir = ARTIFACTS / re.sub(r"[^\w.-]+", "_", name)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.every_step = os.environ.get("MCPCHAT_TEST_SHOTS") == "1"

    def shot(self, label: str, *, always: bool = False) -> None:
        self.n += 1
        if not (always or self.every_step):
            return
        try:
            self.page.screenshot(path=str(self.dir / f"{self.n:02d}-{label}.png"), full_page=False)
        except Exception:  # a screenshot must never fail the test
            pass


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1500, "height": 950})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    console: list[str] = []
    pg.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    pg.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    pg.steps = Steps(pg, request.node.name)
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            pg.steps.shot("FAILED", always=True)
            (pg.steps.dir / "console.log").write_text("\n".join(console))
        context.close()
