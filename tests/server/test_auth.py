"""Every endpoint is authenticated: no auth warning when unauthenticated access is disallowed."""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from jupyter_server.utils import JupyterServerAuthWarning
from tornado.httpclient import HTTPClientError


@pytest.fixture
def server_extra_config() -> dict[str, Any]:
    return {"ServerApp": {"allow_unauthenticated_access": False}}


@pytest.fixture
def jp_serverapp(jp_server_config: Any, jp_argv: Any, jp_configurable_serverapp: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error", JupyterServerAuthWarning)
        app = jp_configurable_serverapp(config=jp_server_config, argv=jp_argv)
    return app


async def test_no_auth_warnings_and_anonymous_refused(jp_serverapp: Any, jp_fetch: Any) -> None:
    assert "mcpchat_ext" in jp_serverapp.extension_manager.extensions
    for parts in (("chats",), ("servers",), ("settings",), ("chats", "abc", "messages")):
        with pytest.raises(HTTPClientError) as info:
            await jp_fetch("mcpchat", "api", *parts, headers={"Authorization": ""})
        assert info.value.code in (401, 403)
    response = await jp_fetch("mcpchat", "api", "chats")
    assert response.code == 200
