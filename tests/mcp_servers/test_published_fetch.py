"""The published ``mcp-server-fetch`` (PyPI, in .venv-published) against a local HTTP server on
127.0.0.1 (nothing else is reachable here): the page comes back as markdown, its script not run."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from tests.mcp_servers.calls import by_name, call
from tests.mcp_servers.published import manager, pypi_server

pytestmark = [pytest.mark.asyncio, pytest.mark.timeout(120)]

PAGE = b"<html><body><h1>Local page</h1><p>served on loopback</p><script>alert(1)</script></body></html>"


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        found = self.path == "/page"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(PAGE if found else b"not found")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_fetch_a_local_page(site: str) -> None:
    # (it refuses loopback addresses unless told: the local site needs the flag)
    spec = pypi_server("fetch", "mcp-server-fetch", "--allow-private-ips")
    async with manager() as mgr:
        status = await mgr.connect(spec)
        assert status.state == "ready", status.error
        [info] = status.tools
        assert info.annotations and info.annotations.claims_read_only and info.annotations.open_world
        tools = by_name(await mgr.get_tools([spec]))
        page = str((await call(tools["fetch_fetch"], url=f"{site}/page")).content)
        assert "Local page" in page and "served on loopback" in page and "alert(1)" not in page
