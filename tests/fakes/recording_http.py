"""A local HTTP server that records every request's headers and answers 401 to all of them.

It stands in for a remote MCP host: tests check which credentials reached it (and that none
reached a host they must not).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class RecordingServer:
    port: int
    requests: list[Recorded] = field(default_factory=list)

    def url(self, path: str = "/mcp", userinfo: str = "") -> str:
        return f"http://{userinfo + '@' if userinfo else ''}127.0.0.1:{self.port}{path}"

    def header_values(self, name: str) -> list[str]:
        return [r.headers[name] for r in self.requests if name in r.headers]


@contextmanager
def recording_server() -> Iterator[RecordingServer]:
    record: list[Recorded] = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            record.append(Recorded(self.command, self.path, dict(self.headers.items())))
            body = b'{"error": "unauthorized"}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield RecordingServer(port=httpd.server_address[1], requests=record)
    finally:
        httpd.shutdown()
        httpd.server_close()
