"""Logging in to the hub through a real OpenID Connect provider, spawning servers, and losing
access again: logout, expired and revoked tokens, tokens revoked at the provider.

These tests need JupyterHub, oauthenticator, oidc-provider-mock and configurable-http-proxy,
not the chat extension itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from tests.hub.conftest import AUTH_REFRESH_AGE, PROVIDER_WARNINGS, SINGLEUSER_AUTH_CACHE_AGE, Hub
from tests.hub.hubclient import HubBrowser, eventually, token_request

pytestmark = [pytest.mark.hub, pytest.mark.timeout(180), *PROVIDER_WARNINGS]

# Long enough for a user server's cached token check and the hub's auth refresh to expire.
PROPAGATION = 10 * max(AUTH_REFRESH_AGE, SINGLEUSER_AUTH_CACHE_AGE)


@pytest.fixture(scope="module")
def alice(hub: Hub) -> Iterator[HubBrowser]:
    with hub.browser() as b:
        r = b.login("alice")
        assert r.status_code == 200 and r.url.path == "/hub/home", (r.status_code, r.url)
        b.spawn()
        assert b.open_server("alice").status_code == 200
        yield b


def test_hub_login_goes_straight_to_the_provider(hub: Hub) -> None:
    """auto_login: an anonymous visitor lands on the provider's login form, not a hub page."""
    with hub.browser() as b:
        r = b.get("/hub/")
        assert r.status_code == 200
        assert r.url.host == "localhost" and r.url.path == "/oauth2/authorize"
        query = parse_qs(urlparse(str(r.url)).query)
        assert query["client_id"] == ["jupyterhub-e2e"]
        assert query["redirect_uri"] == [f"{hub.url}/hub/oauth_callback"]
        assert query["code_challenge_method"] == ["S256"]  # PKCE
        assert "openid" in query["scope"][0].split()
        assert b.cookie("jupyterhub-hub-login") is None


def test_login_and_spawn(hub: Hub, alice: HubBrowser) -> None:
    model = alice.hub_api("GET", "/users/alice").json()
    assert model["name"] == "alice"
    assert model["groups"] == ["mcpchat-users"]  # from the provider's groups claim
    assert model["servers"][""]["ready"] is True
    # the server runs in the user's home, with the hub's interpreter and catalog
    assert (hub.home_root / "alice").is_dir()
    status = alice.server_api("alice", "GET", "/api/status")
    assert status.status_code == 200, status.text


def test_user_outside_the_allowed_groups_cannot_log_in(hub: Hub) -> None:
    with hub.browser() as b:
        r = b.login("mallory")
        assert r.status_code == 403
        assert r.url.path == "/hub/oauth_callback"
        assert b.cookie("jupyterhub-hub-login") is None
        assert b.hub_api("GET", "/user").status_code == 403


def test_other_users_server_is_refused(hub: Hub, alice: HubBrowser) -> None:
    with hub.browser() as bob:
        assert bob.login("bob").status_code == 200
        # REST call from a browser without access: refused
        assert bob.server_api("alice", "GET", "/api/status").status_code == 403
        # opening the page: the hub refuses to issue bob a token for alice's server
        page = bob.open_server("alice")
        assert page.status_code == 403 and page.url.path == "/hub/api/oauth2/authorize"
        assert bob.cookie("jupyterhub-user-alice") is None
        # bob's own API token does not open alice's server either
        token = bob.new_token("bob's script")["token"]
        assert token_request(hub.url, token, "GET", "/user/alice/api/status").status_code == 403
        # nor may bob start, stop or inspect it through the hub
        # (403 or 404: the hub does not confirm that a server it won't show exists)
        assert bob.hub_api("POST", "/users/alice/server").status_code in (403, 404)
        assert bob.hub_api("DELETE", "/users/alice/server").status_code in (403, 404)
        assert "servers" not in bob.hub_api("GET", "/users/alice").json()


def test_logout_invalidates_the_sessions_server_cookie(hub: Hub, alice: HubBrowser) -> None:
    """A second browser session of alice logs out: its user-server cookie stops working
    (tokens belong to the login session); her first session is untouched."""
    with hub.browser() as second:
        assert second.login("alice").status_code == 200
        assert second.open_server("alice").status_code == 200
        assert second.server_api("alice", "GET", "/api/status").status_code == 200
        stolen = {c.name: c.value or "" for c in second.client.cookies.jar if c.path == "/user/alice/"}
        assert "jupyterhub-user-alice" in stolen

        assert second.get("/hub/logout", follow_redirects=False).status_code in (200, 302)
        assert second.cookie("jupyterhub-hub-login") is None
        assert second.hub_api("GET", "/user").status_code == 403

        # replaying the user-server cookie after logout is refused
        headers = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in stolen.items()),
            "X-XSRFToken": stolen.get("_xsrf", ""),
            "Sec-Fetch-Mode": "cors",
        }
        eventually(
            lambda: (
                second.client.get(
                    second.url("/user/alice/api/status"), headers=headers, follow_redirects=False
                ).status_code
                == 403
            ),
            timeout=PROPAGATION,
            what="alice's server refuses the logged-out session's cookie",
        )
    assert alice.server_api("alice", "GET", "/api/status").status_code == 200


def test_expired_and_revoked_api_tokens_are_refused(hub: Hub, alice: HubBrowser) -> None:
    short = alice.new_token("expires soon", expires_in=2)
    assert token_request(hub.url, short["token"], "GET", "/user/alice/api/status").status_code == 200
    eventually(
        lambda: token_request(hub.url, short["token"], "GET", "/user/alice/api/status").status_code == 403,
        timeout=PROPAGATION,
        what="an expired token is refused by alice's server",
    )
    assert token_request(hub.url, short["token"], "GET", "/hub/api/user").status_code == 403

    revoked = alice.new_token("revoked")
    assert token_request(hub.url, revoked["token"], "GET", "/user/alice/api/status").status_code == 200
    r = alice.hub_api("DELETE", f"/users/alice/tokens/{revoked['id']}")
    assert r.status_code == 204, r.text
    eventually(
        lambda: token_request(hub.url, revoked["token"], "GET", "/user/alice/api/status").status_code == 403,
        timeout=PROPAGATION,
        what="a revoked token is refused by alice's server",
    )
    assert token_request(hub.url, revoked["token"], "GET", "/hub/api/user").status_code == 403


def test_tokens_revoked_at_the_provider_end_access(hub: Hub) -> None:
    """The provider revokes carol's access and refresh tokens: once the hub re-checks her login
    (auth_refresh_age) her server, her API token and her hub session are all refused."""
    with hub.browser() as carol:
        assert carol.login("carol").status_code == 200
        carol.spawn()
        assert carol.open_server("carol").status_code == 200
        token = carol.new_token("carol's script")["token"]
        assert carol.server_api("carol", "GET", "/api/status").status_code == 200

        hub.oidc.revoke_tokens("carol")

        eventually(
            lambda: carol.server_api("carol", "GET", "/api/status").status_code == 403,
            timeout=PROPAGATION,
            what="carol's server refuses her browser after revocation at the provider",
        )
        assert token_request(hub.url, token, "GET", "/hub/api/user").status_code == 403
        assert token_request(hub.url, token, "GET", "/user/carol/api/status").status_code == 403
        home = carol.get("/hub/home", follow_redirects=False)
        assert home.status_code == 302 and home.headers["location"].startswith("/hub/login")

        # logging in again at the provider restores access
        assert carol.login("carol").status_code == 200
        assert carol.open_server("carol").status_code == 200
        assert carol.server_api("carol", "GET", "/api/status").status_code == 200
