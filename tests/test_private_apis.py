"""The private APIs of other packages this project relies on, checked so that an upgrade that moves
them fails here, loudly and by name, instead of somewhere deep in a chat turn.

Each has an upper version bound in pyproject.toml; raise the bound only after this file passes
with the new version.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from mcp.server.fastmcp import Context, FastMCP


def test_langgraph_sqlite_delta_helpers() -> None:
    """agent/checkpoint.py replays delta-channel writes with the sqlite saver's own SQL helpers."""
    from langgraph.checkpoint.sqlite import _delta
    from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

    assert isinstance(_delta.DELTA_STAGE1_SQL, str) and "checkpoint_id" in _delta.DELTA_STAGE1_SQL
    params = inspect.signature(_delta.build_delta_channels_writes_history).parameters
    assert {"channels", "chain_by_ch", "seed_val_by_ch", "seeded", "stage2_rows", "serde"} <= set(params)
    assert {"chain_lens", "has_task_path"} <= set(inspect.signature(_delta.build_delta_stage2_sql).parameters)
    assert "_has_task_path" in inspect.getsource(AsyncSqliteSaver)


def test_aiosqlite_runs_a_function_on_its_connection_thread() -> None:
    """agent/checkpoint_hops.py runs each checkpoint read or write as one function there."""
    import aiosqlite

    params = inspect.signature(aiosqlite.Connection._execute).parameters
    assert list(params)[:2] == ["self", "fn"]
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn"), property)


def test_langgraph_delta_snapshot() -> None:
    from langgraph.checkpoint.serde.types import _DeltaSnapshot

    assert _DeltaSnapshot([1, 2]).value == [1, 2]


def test_jupyter_server_signal_stop() -> None:
    """app.py makes SIGINT a clean stop with the server app's own handler."""
    from jupyter_server.serverapp import ServerApp

    assert callable(ServerApp._signal_stop)


@pytest.mark.asyncio
async def test_mcp_client_session_request_ids() -> None:
    """mcp_servers/worker.py reads ClientSession._request_id to cancel a running request: it must
    be the id the next request goes out with."""
    from mcp.shared.memory import create_connected_server_and_client_session

    server = FastMCP("ids")

    @server.tool()
    def whoami(ctx: Context[Any, Any, Any]) -> str:
        return str(ctx.request_id)

    async with create_connected_server_and_client_session(server._mcp_server) as session:
        for _ in range(3):
            expected = session._request_id
            assert isinstance(expected, int)
            result = await session.call_tool("whoami", {})
            assert result.content[0].text == str(expected)  # type: ignore[union-attr]
            assert session._request_id > expected  # (call_tool may list tools after the call)


def test_langchain_openai_stream_pieces() -> None:
    """agent/openai_stream.py reads the chat-completions stream itself and hands each chunk's JSON
    to ChatOpenAI's own conversion, error mapping and request building."""
    from langchain_openai import ChatOpenAI
    from langchain_openai.chat_models import base

    assert callable(base._handle_openai_api_error) and callable(base._handle_openai_bad_request)
    convert = inspect.signature(ChatOpenAI._convert_chunk_to_generation_chunk).parameters
    assert list(convert) == ["self", "chunk", "default_chunk_class", "base_generation_info"]
    assert "stop" in inspect.signature(ChatOpenAI._get_request_payload).parameters
    for name in ("_should_stream_usage", "_use_responses_api"):
        assert callable(getattr(ChatOpenAI, name))
    assert isinstance(ChatOpenAI._uses_gateway, property)


def test_ipython_shell_hooks() -> None:
    """jupyter_tools/in_kernel/shell.py captures a run's output through the shell's traceback hook
    (``_showtraceback(etype, evalue, stb)``, IPython's documented override point), its display
    trap's ``hook`` and its ``display_pub``, and passes ``transformed_cell`` to run_cell_async."""
    from IPython.core.display_trap import DisplayTrap
    from IPython.core.interactiveshell import InteractiveShell

    assert list(inspect.signature(InteractiveShell._showtraceback).parameters) == [
        "self",
        "etype",
        "evalue",
        "stb",
    ]
    assert "hook" in DisplayTrap.class_traits()
    params = inspect.signature(InteractiveShell.run_cell_async).parameters
    assert {"transformed_cell", "preprocessing_exc_tuple", "store_history", "silent"} <= set(params)


def test_tornado_websocket_connection_parts() -> None:
    """handlers/ws_batch.py writes a batch of text frames on the connection's stream itself, as
    WebSocketProtocol13._write_frame would (server side: unmasked, no compression)."""
    from tornado.websocket import WebSocketProtocol13

    source = inspect.getsource(WebSocketProtocol13)
    for part in ("self.stream = ", "self._compressor", "self.mask_outgoing", "_message_bytes_out", "_wire_bytes_out"):
        assert part in source, part
    frame = inspect.getsource(WebSocketProtocol13._write_frame)
    assert "self.stream.write(frame)" in frame and "0x80" in frame


def test_openai_makes_status_errors_from_a_response() -> None:
    """agent/stream_process/errors.py rebuilds an HTTP error of the stream process with the SDK
    client's own ``_make_status_error_from_response``, over an httpx2 response (the SDK's HTTP
    client): the same class and message as the SDK raises in this process."""
    import httpx2
    import openai

    client = openai.AsyncOpenAI(api_key="k", base_url="http://127.0.0.1:9/v1")
    request = httpx2.Request("POST", "http://127.0.0.1:9/v1/chat/completions")
    response = httpx2.Response(401, json={"error": {"message": "bad key"}}, request=request)
    error = client._make_status_error_from_response(response)
    assert isinstance(error, openai.AuthenticationError) and "bad key" in error.message
