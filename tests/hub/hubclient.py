"""A scripted browser for the hub tests: an httpx client with a cookie jar that logs in
through the real OAuth redirect flow (hub -> OIDC provider -> hub -> user server)."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import httpx
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

TIMEOUT = httpx.Timeout(60.0, connect=10.0)


class HubBrowser:
    """One user's browser. Requests follow redirects unless told otherwise."""

    def __init__(self, hub_url: str) -> None:
        self.hub_url = hub_url.rstrip("/")
        self.client = httpx.Client(follow_redirects=True, timeout=TIMEOUT, trust_env=False)
        self.user: str | None = None

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HubBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- pages and the login flow ---------------------------------------------------------

    def url(self, path: str) -> str:
        return self.hub_url + path

    def get(self, path: str, **kw: Any) -> httpx.Response:
        return self.client.get(self.url(path), **kw)

    def start_login(self, next_path: str = "/hub/home") -> httpx.Response:
        """Visit a hub page; auto_login sends the browser to the provider's login form."""
        return self.get(f"/hub/login?next={next_path}")

    def login(self, user: str, next_path: str = "/hub/home") -> httpx.Response:
        """Log in as `user` at the provider's form and follow the redirects back to `next_path`."""
        form = self.start_login(next_path)
        assert form.status_code == 200, form.text[:500]
        assert urlparse(str(form.url)).path == "/oauth2/authorize", form.url
        r = self.client.post(str(form.url), data={"sub": user})
        if r.status_code == 200:
            self.user = user
        return r

    def xsrf(self, path: str) -> str:
        """The `_xsrf` cookie set for `path` (hub pages: /hub/, user servers: /user/<name>/);
        "" when this browser never opened a page there."""
        for cookie in self.client.cookies.jar:
            if cookie.name == "_xsrf" and cookie.path == path and cookie.value:
                return cookie.value
        return ""

    def cookie(self, name: str) -> str | None:
        for cookie in self.client.cookies.jar:
            if cookie.name == name:
                return cookie.value
        return None

    # -- hub REST API (cookie authenticated, with the hub's xsrf token) ----------------------

    def hub_api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = dict(kw.pop("headers", {}))
        headers.setdefault("X-XSRFToken", self.xsrf("/hub/"))
        headers.setdefault("Sec-Fetch-Mode", "cors")
        return self.client.request(method, self.url(f"/hub/api{path}"), headers=headers, **kw)

    def spawn(self, timeout: float = 120) -> dict[str, Any]:
        """Start the default server through the hub's REST API and wait until it is ready."""
        assert self.user
        r = self.hub_api("POST", f"/users/{self.user}/server")
        assert r.status_code in (201, 202, 400), r.text  # 400: already running
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            model: dict[str, Any] = self.hub_api("GET", f"/users/{self.user}").json()
            server = model.get("servers", {}).get("")
            if server and server.get("ready"):
                return model
            time.sleep(0.5)
        raise AssertionError(f"{self.user}'s server not ready after {timeout}s")

    def new_token(self, note: str, expires_in: int | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"note": note}
        if expires_in is not None:
            body["expires_in"] = expires_in
        r = self.hub_api("POST", f"/users/{self.user}/tokens", json=body)
        assert r.status_code == 201, r.text
        token: dict[str, Any] = r.json()
        return token

    # -- a user server (cookie authenticated through the hub's OAuth) ------------------------

    def open_server(self, owner: str) -> httpx.Response:
        """Open JupyterLab on `owner`'s server: OAuth with the hub sets the server's cookie."""
        return self.get(f"/user/{owner}/lab")

    def open_shared_server(self, owner: str) -> httpx.Response:
        """Open another user's shared server: the hub asks the guest to authorize the access
        (a form); submit it like a person clicking "Authorize"."""
        r = self.open_server(owner)
        if r.status_code == 200 and urlparse(str(r.url)).path == "/hub/api/oauth2/authorize":
            fields = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', r.text)
            assert fields, r.text[:1000]
            form: dict[str, list[str]] = {}
            for name, value in fields:  # repeated names (e.g. scopes) become lists
                form.setdefault(name, []).append(html.unescape(value))
            r = self.client.post(str(r.url), data=form)
        return r

    def ws(self, owner: str, token: str | None = None) -> ClientConnection:
        """Open the chat websocket of `owner`'s server like JupyterLab (cookies, same Origin),
        or with an API token when given."""
        headers: dict[str, str] = {}
        if token:
            headers["Authorization"] = f"token {token}"
        else:
            prefix = f"/user/{owner}/"
            jar = [c for c in self.client.cookies.jar if prefix.startswith(c.path or "/")]
            headers["Cookie"] = "; ".join(f"{c.name}={c.value}" for c in jar)
        url = self.hub_url.replace("http", "ws", 1) + f"/user/{owner}/mcpchat/ws"
        return connect(
            url,
            additional_headers=headers,
            origin=Origin(self.hub_url),
            open_timeout=30,
            proxy=None,
        )

    def server_api(self, owner: str, method: str, path: str, **kw: Any) -> httpx.Response:
        """Call `owner`'s server like JupyterLab's fetch() does (cookie + xsrf header)."""
        headers = dict(kw.pop("headers", {}))
        # JupyterLab sends the xsrf token with every request; cookie-authenticated
        # fetch() requests without it are refused, GET included.
        headers.setdefault("X-XSRFToken", self.xsrf(f"/user/{owner}/"))
        headers.setdefault("Sec-Fetch-Mode", "cors")
        kw.setdefault("follow_redirects", False)
        return self.client.request(method, self.url(f"/user/{owner}{path}"), headers=headers, **kw)

    def chat_api(self, owner: str, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.server_api(owner, method, f"/mcpchat/api{path}", **kw)


def ws_call(ws: ClientConnection, method: str, timeout: float = 30, **params: Any) -> dict[str, Any]:
    """Send a `call` frame and return the matching `result` or `error` frame."""
    call_id = f"c{time.monotonic_ns()}"
    ws.send(json.dumps({"type": "call", "id": call_id, "method": method, "params": params}))
    while True:
        frame: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
        if frame.get("id") == call_id:
            return frame


def token_request(hub_url: str, token: str, method: str, path: str, **kw: Any) -> httpx.Response:
    """A script's request with an API token (no cookies, no redirects)."""
    headers = {"Authorization": f"token {token}", **kw.pop("headers", {})}
    return httpx.request(
        method, hub_url.rstrip("/") + path, headers=headers, trust_env=False, timeout=TIMEOUT, **kw
    )


def eventually(check: Callable[[], bool], *, timeout: float, what: str, interval: float = 0.25) -> None:
    """Poll `check` until it is true (revocations reach user servers after their auth cache)."""
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(interval)
