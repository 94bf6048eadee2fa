"""The ``jupyter`` tools as a streamable-HTTP MCP endpoint of the Jupyter server (off by default).

Outside MCP clients (an IDE, an agent CLI) reach the same tools at ``<base_url>/mcpchat/mcp`` on
the Jupyter server's own port: no extra port or process. The handler (handlers/mcp_endpoint.py)
authenticates the request as Jupyter does (token or cookie, XSRF for cookie POSTs); each request
then gets its own MCP server whose tools act as *that* visitor, checked by the server's authorizer
per call (:class:`~.access.VisitorAccess` bound to the request), and limited to ``exposed``.

The MCP SDK's transport runs in stateless JSON mode, one transport per HTTP request (as the SDK's
``StreamableHTTPSessionManager(stateless=True, json_response=True)`` does), bridged from tornado
through a minimal ASGI exchange. Calls from outside are not shown on any approval card: the
outside client is its own approver, which is why only read-only tools are exposed by default.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import anyio
from mcp.server.streamable_http import StreamableHTTPServerTransport

if TYPE_CHECKING:
    from mcp.server.lowlevel import Server

    from .provider import JupyterTools

PATH = "/mcpchat/mcp"


@dataclass
class Reply:
    """The HTTP answer of one exchange."""

    status: int = 500
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytearray = field(default_factory=bytearray)


async def exchange(
    server: Server[Any, Any], method: str, path: str, headers: list[tuple[str, str]], body: bytes
) -> Reply:
    """One HTTP request to ``server`` over a fresh stateless streamable-HTTP transport."""
    transport = StreamableHTTPServerTransport(mcp_session_id=None, is_json_response_enabled=True)
    reply = Reply()
    delivered = False

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()  # (the client stays connected until the answer is sent)
        raise AssertionError("unreachable")

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            reply.status = int(message["status"])
            reply.headers = [
                (k.decode("latin-1"), v.decode("latin-1")) for k, v in message.get("headers", [])
            ]
        elif message["type"] == "http.response.body":
            reply.body += message.get("body", b"")

    async def run_server(*, task_status: Any = anyio.TASK_STATUS_IGNORED) -> None:
        async with transport.connect() as (read, write):
            task_status.started()
            await server.run(read, write, server.create_initialization_options(), stateless=True)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers],
        "client": None,
        "server": None,
    }
    async with anyio.create_task_group() as tg:
        await tg.start(run_server)
        try:
            await transport.handle_request(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await transport.terminate()
            tg.cancel_scope.cancel()
    return reply


class JupyterEndpoint:
    """Serves the ``exposed`` tools of ``tools`` to authenticated HTTP requests."""

    def __init__(self, tools: JupyterTools, exposed: frozenset[str]) -> None:
        self.tools = tools
        self.exposed = exposed

    async def handle(
        self, user: str, handler: Any, method: str, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> Reply:
        """``handler`` authenticated ``user``: the request's tool calls act as them."""
        return await exchange(
            self.tools.server_for_request(user, handler, self.exposed), method, path, headers, body
        )
