"""Screenshots of the JupyterLab chat panel for the README, light and dark theme (offline demo model).

Run from the repository root, with the labextension built (``jlpm --cwd labextension build:prod``) and
Debian's ``chromium`` installed::

    .venv/bin/python scripts/screenshots.py            # writes docs/screenshots/*.png

It starts its own ``jupyter lab`` (temporary directories, no OPENAI_API_KEY: the offline demo model),
drives the panel with Playwright exactly as the README's first steps say, and saves the panel only
(small PNGs). Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
TOKEN = "screenshots"
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def lab(root: Path, theme: str) -> Iterator[str]:
    """A ``jupyter lab`` on ``root`` with ``theme``; yields its base URL."""
    settings = root / ".lab-settings"
    for name, body in {
        "@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": theme},
        "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body))
    built = REPO / "mcpchat_ext" / "labextension"
    link = root / "jupyter-path" / "labextensions" / "mcpchat-ext"
    link.parent.mkdir(parents=True)
    link.symlink_to(built)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "MCPCHAT_"))}
    env.update(
        MCPCHAT_DATA_DIR=str(root / "data"),
        JUPYTER_CONFIG_DIR=str(root / ".jupyter"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(root / ".workspaces"),
        JUPYTER_PATH=os.pathsep.join(p for p in (str(link.parent.parent), env.get("JUPYTER_PATH")) if p),
        PYTHONPATH=os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p),
    )
    port = free_port()
    jupyter = Path(sys.executable).parent / "jupyter"
    cmd = [
        str(jupyter), "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}", "--allow-root",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]  # fmt: skip
    log = (root / "jupyter.log").open("wb")
    proc = subprocess.Popen(cmd, env=env, cwd=root, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"jupyter lab exited; see {root / 'jupyter.log'}")
            try:
                with urllib.request.urlopen(f"{url}api/status?token={TOKEN}", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("jupyter lab did not start in 120 s") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def tid(name: str) -> str:
    return f'[data-testid="{name}"]'


def shoot(page: Any, panel: Any, name: str) -> None:
    path = OUT / f"{name}.png"
    panel.screenshot(path=str(path), animations="disabled", caret="hide")
    print(f"wrote {path.relative_to(REPO)} ({path.stat().st_size // 1024} KiB)")


def first_steps(page: Any, url: str, theme_key: str) -> None:
    """The README's first steps, a screenshot at each visible result."""
    page.goto(f"{url}lab?token={TOKEN}&reset", wait_until="domcontentloaded")
    tab = page.locator('li[data-id="mcpchat-panel"]')
    tab.wait_for(timeout=120_000)
    page.wait_for_function("() => !document.querySelector('#jupyterlab-splash')", timeout=120_000)
    tab.click()
    panel = page.locator("#mcpchat-panel")
    root = panel.locator(tid("mcpchat"))
    page.wait_for_function(
        "() => { const d = document.querySelector('#mcpchat-panel [data-testid=mcpchat]')?.dataset;"
        " return d?.connection === 'open' && d?.ready === 'true'; }",
        timeout=120_000,
    )
    shoot(page, panel, f"{theme_key}-1-empty")
    # 1. type the first message: a chat is created; 2. Servers: tick demo
    root.locator(tid("new-chat")).click()
    root.locator(tid("toggle-servers")).click()
    demo = root.locator(f'{tid("server-row")}[data-server="demo"] {tid("server-toggle")}')
    demo.check()
    page.wait_for_function(
        "() => document.querySelector('#mcpchat-panel [data-server=demo] input')?.checked", timeout=60_000
    )
    page.wait_for_timeout(1500)  # the server row settles (its state and tools)
    shoot(page, panel, f"{theme_key}-2-servers")
    root.locator(tid("toggle-servers")).click()
    # 3. ask; the approval card
    root.locator(tid("chat-input")).fill("add 2 and 3")
    root.locator(tid("chat-input")).press("Enter")
    root.locator(tid("approval-card")).wait_for(timeout=60_000)
    shoot(page, panel, f"{theme_key}-3-approval")
    # 4. approve: the result and the reply
    root.locator(tid("approval-card")).locator(tid("approve")).click()
    page.wait_for_function(
        "() => document.querySelector('#mcpchat-panel [data-testid=mcpchat]').dataset.running === 'false'"
        " && document.querySelector('#mcpchat-panel [data-testid=tool-result]')",
        timeout=60_000,
    )
    shoot(page, panel, f"{theme_key}-4-result")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--themes", nargs="*", default=list(THEMES), choices=list(THEMES))
    args = parser.parse_args()
    if not (REPO / "mcpchat_ext" / "labextension" / "package.json").exists():
        raise SystemExit("build the labextension first: jlpm --cwd labextension build:prod")
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for key in args.themes:
                with tempfile.TemporaryDirectory(prefix="mcpchat-shots-") as tmp:
                    with lab(Path(tmp), THEMES[key]) as url:
                        context = browser.new_context(viewport={"width": 1280, "height": 760})
                        try:
                            first_steps(context.new_page(), url, key)
                        finally:
                            context.close()
        finally:
            browser.close()


if __name__ == "__main__":
    main()
