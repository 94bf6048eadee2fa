"""The ``jupyter`` tools are a server like any other in the chat's picker, can be left out of a
chat, cannot be added or imitated by users, and the administrator can switch them off."""

from __future__ import annotations

import json
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError


async def api(jp_fetch: Any, *parts: str, method: str = "GET", data: Any = None) -> Any:
    kw: dict[str, Any] = {"method": method}
    if method in ("POST", "PUT", "PATCH"):
        kw["body"] = json.dumps(data if data is not None else {})
    response = await jp_fetch("mcpchat", "api", *parts, **kw)
    return json.loads(response.body) if response.body else None


async def refused(jp_fetch: Any, *parts: str, method: str = "POST", data: Any = None) -> dict[str, Any]:
    with pytest.raises(HTTPClientError) as info:
        await api(jp_fetch, *parts, method=method, data=data)
    assert info.value.code == 400 and info.value.response is not None
    error: dict[str, Any] = json.loads(info.value.response.body)
    return error


async def test_offered_per_chat_and_not_imitable(jp_fetch: Any) -> None:
    servers = {s["name"]: s for s in await api(jp_fetch, "servers")}
    jupyter = servers["jupyter"]
    assert jupyter["source"] == "catalog" and jupyter["spec"]["transport"] == "builtin"
    ready = await api(jp_fetch, "servers", "jupyter", "connect", method="POST")
    assert ready["state"] == "ready"
    notes = {t["tool"]: t["annotations"] for t in ready["tools"]}
    assert notes["delete_cell"]["destructive"] is True and notes["read_file"]["read_only"] is True

    without = await api(jp_fetch, "chats", method="POST", data={"servers": ["demo"]})
    assert without["servers"] == ["demo"]
    chosen = await api(
        jp_fetch, "chats", without["id"], method="PATCH", data={"servers": ["demo", "jupyter"]}
    )
    assert chosen["servers"] == ["demo", "jupyter"]

    fake = {"name": "mine", "transport": "builtin"}
    assert (
        "built-in servers come with the Jupyter server"
        in (await refused(jp_fetch, "servers", data=fake))["message"]
    )
    with pytest.raises(HTTPClientError) as info:  # the catalog's own name
        await api(
            jp_fetch, "servers", "jupyter", method="PUT", data={"name": "jupyter", "transport": "builtin"}
        )
    assert info.value.code in (400, 409)
