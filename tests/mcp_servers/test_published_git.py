"""The published ``mcp-server-git`` (PyPI, in .venv-published) on a fresh repository: annotated
tools, and a status and a log that show the repository as it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.published import manager, pypi_server

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]


def make_repo(path: Path) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True)

    path.mkdir()
    git("init", "-q")
    git("config", "user.email", "t@example.com")
    git("config", "user.name", "T")
    (path / "a.txt").write_text("one\n", encoding="utf-8")
    git("add", "a.txt")
    git("commit", "-qm", "first commit")
    (path / "b.txt").write_text("new\n", encoding="utf-8")


async def test_git_status_and_log(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    spec = pypi_server("git", "mcp-server-git", "--repository", str(repo))
    async with manager(roots=[str(repo)]) as mgr:
        status = await mgr.connect(spec)
        assert status.state == "ready", status.error
        infos = {t.tool: t for t in status.tools}
        assert infos["git_status"].annotations and infos["git_status"].annotations.claims_read_only
        assert infos["git_reset"].annotations and infos["git_reset"].annotations.destructive
        tools = by_name(await mgr.get_tools([spec]))
        assert "b.txt" in str((await call(tools["git_git_status"], repo_path=str(repo))).content)
        assert "first commit" in str((await call(tools["git_git_log"], repo_path=str(repo))).content)
