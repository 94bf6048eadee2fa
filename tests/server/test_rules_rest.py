"""REST and websocket access to the visiting user's approval rules."""

from __future__ import annotations

from typing import Any

import pytest

from .test_rest import call, expect_error
from .wsclient import ChatSocket

pytestmark = pytest.mark.timeout(60)


async def test_rules_over_rest(jp_fetch: Any) -> None:
    assert await call(jp_fetch, "rules") == []
    rule = await call(
        jp_fetch, "rules", method="POST", data={"server": "demo", "tool": "add", "action": "allow"}
    )
    assert (rule["server"], rule["tool"], rule["action"], rule["source"]) == ("demo", "add", "allow", "user")
    assert [r["id"] for r in await call(jp_fetch, "rules")] == [rule["id"]]
    await expect_error(
        jp_fetch, 400, "bad_request", "rules", method="POST", data={"server": "demo", "action": "maybe"}
    )
    await expect_error(jp_fetch, 404, "not_found", "rules", "999", method="DELETE")
    await call(jp_fetch, "rules", rule["id"], method="DELETE")
    assert await call(jp_fetch, "rules") == []


async def test_rules_over_the_websocket(jp_ws_fetch: Any) -> None:
    sock = ChatSocket(await jp_ws_fetch("mcpchat", "ws"))
    await sock.recv()  # welcome
    rule = await sock.call("rules.add", server="demo", action="deny")
    assert rule["tool"] == "*"
    assert [r["id"] for r in await sock.call("rules.list")] == [rule["id"]]
    assert await sock.call("rules.remove", id=rule["id"]) == {"removed": rule["id"]}
