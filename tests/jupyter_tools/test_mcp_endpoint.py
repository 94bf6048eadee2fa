"""The optional MCP endpoint on a real jupyter-server: an outside MCP client (the SDK's
streamable-HTTP client with a token) lists and calls the exposed tools; a forged or absent token
gets 403 and nothing runs; a visitor's calls are authorized as that visitor; off, it is a 404."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from traitlets import TraitError

from mcpchat_ext.endpoint_options import EndpointOptions
from tests.server.identity import auth

from .conftest import write_notebook

pytestmark = pytest.mark.timeout(120)

CALL = {"jsonrpc": "2.0", "id": 1, "method": "tools/call"}
HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


@pytest.fixture
def mcpchat_config(mcpchat_config: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    if "disabled" not in request.node.name:
        mcpchat_config.update(mcp_endpoint=True, mcp_endpoint_tools=["@read-only", "execute_code"])
    return mcpchat_config


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    """alice owns the server; bob visits it and may read files but not run code."""
    return {
        "ServerApp": {
            "identity_provider_class": "tests.server.identity.MultiUserIdentityProvider",
            "authorizer_class": "tests.jupyter_tools.authorizer.OwnerAndReadOnlyVisitors",
            "allow_unauthenticated_access": False,
        }
    }


@pytest.fixture(autouse=True)
def _listening(http_server_client: Any) -> None:
    """(the server's HTTP port only listens once pytest-jupyter's HTTP server fixture runs)"""


def url(jp_serverapp: Any, jp_http_port: int) -> str:
    return f"http://localhost:{jp_http_port}{jp_serverapp.base_url}mcpchat/mcp"


def marker_code(path: Path) -> dict[str, Any]:
    code = f"open({str(path)!r}, 'w').write('ran')"
    return {**CALL, "params": {"name": "execute_code", "arguments": {"path": "run.ipynb", "code": code}}}


async def test_an_outside_client_lists_and_calls_the_exposed_tools(
    jp_serverapp: Any, jp_http_port: int, jp_root_dir: Path
) -> None:
    write_notebook(jp_root_dir, "report.ipynb", "total = 41 + 1")
    async with (
        streamablehttp_client(url(jp_serverapp, jp_http_port), headers=auth("alice")) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        names = {t.name for t in (await session.list_tools()).tools}
        assert names == {
            "list_files",
            "read_file",
            "read_notebook",
            "read_open_notebook",
            "list_variables",
            "inspect_variable",
            "execute_code",
        }
        read = await session.call_tool("read_notebook", {"path": "report.ipynb"})
        assert not read.isError and "total = 41 + 1" in read.content[0].text + read.content[1].text
        edit = await session.call_tool("delete_cell", {"path": "report.ipynb", "index": 0})
        assert edit.isError and "unknown tool" in edit.content[0].text  # not exposed
    assert "total = 41 + 1" in (jp_root_dir / "report.ipynb").read_text()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "token forged-token"}, {"Authorization": "token"}],
    ids=["absent", "forged", "empty"],
)
async def test_without_a_valid_token_nothing_runs(
    jp_serverapp: Any, jp_http_port: int, jp_root_dir: Path, headers: dict[str, str]
) -> None:
    write_notebook(jp_root_dir, "run.ipynb")
    marker = jp_root_dir / "ran.txt"
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            url(jp_serverapp, jp_http_port), json=marker_code(marker), headers={**HEADERS, **headers}
        )
    assert answer.status_code in (401, 403)
    assert "Traceback" not in answer.text
    assert not marker.exists() and jp_serverapp.kernel_manager.list_kernel_ids() == []


async def test_a_visitor_acts_as_themselves(jp_serverapp: Any, jp_http_port: int, jp_root_dir: Path) -> None:
    write_notebook(jp_root_dir, "run.ipynb")
    marker = jp_root_dir / "ran.txt"
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            bob = await client.post(
                url(jp_serverapp, jp_http_port), json=marker_code(marker), headers={**HEADERS, **auth("bob")}
            )
            assert bob.status_code == 200
            result = bob.json()["result"]
            assert (
                result["isError"] and "bob is not allowed to execute kernels" in result["content"][0]["text"]
            )
            assert not marker.exists() and jp_serverapp.kernel_manager.list_kernel_ids() == []
            alice = await client.post(
                url(jp_serverapp, jp_http_port),
                json=marker_code(marker),
                headers={**HEADERS, **auth("alice")},
            )
            assert alice.status_code == 200 and not alice.json()["result"]["isError"]
            assert marker.read_text() == "ran"
    finally:
        await jp_serverapp.kernel_manager.shutdown_all()


async def test_a_get_is_refused_without_a_stream(jp_serverapp: Any, jp_http_port: int) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.get(url(jp_serverapp, jp_http_port), headers=auth("alice"))
    assert answer.status_code == 405 and answer.headers["Allow"] == "POST"


async def test_disabled_endpoint_is_not_found(jp_serverapp: Any, jp_http_port: int) -> None:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            url(jp_serverapp, jp_http_port), content=json.dumps(CALL), headers=auth("alice")
        )
    assert answer.status_code == 404


def test_the_exposed_tools_are_validated() -> None:
    options = EndpointOptions()
    assert options.exposed_tools() == {
        "list_files",
        "read_file",
        "read_notebook",
        "read_open_notebook",
        "list_variables",
        "inspect_variable",
    }
    with pytest.raises(TraitError, match=r"unknown tool.*'rm_rf'"):
        options.mcp_endpoint_tools = ["read_file", "rm_rf"]
    options.mcp_endpoint_tools = ["*"]
    assert "execute_code" in options.exposed_tools()
