"""JupyterHub configuration for a multi-user mcpchat-ext deployment.

Run it with ``jupyterhub -f hub_config/jupyterhub_config.py``. Everything that
differs between deployments comes from environment variables, so the same file
serves the single-machine demo, CI (tests/hub/) and - as a template - production.

Authentication (``MCPCHAT_HUB_AUTH``)
    ``generic`` (default): GenericOAuthenticator against any OpenID Connect /
    OAuth 2 provider (Keycloak, Entra ID, Okta, Auth0, Google, Dex, ...).
    oauthenticator has no OIDC discovery, so the three endpoints are explicit:

    ===========================  ================================================
    OAUTH_AUTHORIZE_URL          https://idp.example.org/.../authorize  (required)
    OAUTH_TOKEN_URL              https://idp.example.org/.../token      (required)
    OAUTH_USERDATA_URL           https://idp.example.org/.../userinfo   (required)
    OAUTH_CLIENT_ID              client id registered at the provider   (required)
    OAUTH_CLIENT_SECRET          its secret                             (required)
    OAUTH_CALLBACK_URL           https://hub.example.org/hub/oauth_callback
    OAUTH_USERNAME_CLAIM         claim used as the JupyterHub user name (default
                                 ``preferred_username``; ``sub`` or ``email`` work)
    OAUTH_SCOPES                 space/comma separated (default ``openid profile email``)
    OAUTH_ALLOWED_USERS          comma separated user names allowed to log in
    OAUTH_ALLOWED_GROUPS         comma separated provider groups allowed to log in
    OAUTH_ADMIN_USERS            comma separated hub admins
    OAUTH_ADMIN_GROUPS           comma separated provider groups of hub admins
    OAUTH_GROUPS_CLAIM           userinfo claim listing the groups (default ``groups``)
    OAUTH_ALLOW_ALL              ``1``: every user the provider authenticates may log in
    OAUTH_LOGIN_SERVICE          label of the login button (default ``OpenID Connect``)
    OAUTH_LOGOUT_REDIRECT_URL    e.g. the provider's end-session URL
    OAUTH_TLS_VERIFY             ``0`` disables certificate checks (test providers only)
    ===========================  ================================================

    With none of OAUTH_ALLOWED_USERS / OAUTH_ALLOWED_GROUPS / OAUTH_ALLOW_ALL set
    nobody can log in (oauthenticator's safe default).

    ``github``: GitHubOAuthenticator. OAUTH_CLIENT_ID / OAUTH_CLIENT_SECRET /
    OAUTH_CALLBACK_URL of a GitHub OAuth app, GITHUB_ALLOWED_ORGS (comma separated
    ``org`` or ``org:team``), OAUTH_ALLOWED_USERS, OAUTH_ADMIN_USERS, OAUTH_ALLOW_ALL.

    ``auto_login`` is on: /hub/login goes straight to the provider.

    Set ``JUPYTERHUB_CRYPT_KEY`` (``openssl rand -hex 32``) to keep the provider's
    tokens in encrypted auth state. Then the hub re-checks them with the provider
    every MCPCHAT_HUB_AUTH_REFRESH_AGE seconds (default 300): a user whose tokens were
    revoked or expired at the provider (and cannot be refreshed) must log in again,
    and - with MCPCHAT_HUB_AUTH_REFRESH_STRICT=1, the default - their servers'
    requests are refused until they do.

Proxy
    configurable-http-proxy from npm: ``npm ci --prefix hub_config`` installs it
    into hub_config/node_modules (used when present); otherwise
    ``configurable-http-proxy`` on PATH, or MCPCHAT_HUB_PROXY_CMD.

Spawner (``MCPCHAT_HUB_SPAWNER``)
    ``simple`` (default): SimpleLocalProcessSpawner - every user's server runs as
    the hub's own OS user with HOME=MCPCHAT_HUB_HOME_TEMPLATE (default
    ``/tmp/{username}``). For tests and single-person demos only: there is no
    isolation between users' processes or files.
    ``local``: LocalProcessSpawner - one existing system user per hub user; the
    hub runs as root (or with sudospawner). Users' servers run as themselves.
    Kubernetes: Zero to JupyterHub with hub_config/z2jh-values.yaml (KubeSpawner);
    see hub_config/README.md.

Single-user servers
    run ``jupyterhub-singleuser`` (JupyterLab) from the hub's Python environment
    (override: MCPCHAT_SINGLEUSER_CMD). The mcpchat_ext server extension is
    enabled there by its server-config JSON when the package is installed. The
    hub hands every user's server the administrator's model endpoint and MCP
    catalog through the environment; MCPChatExtension reads them:

    ============================  ===============================================
    MCPCHAT_SERVER_CATALOG_FILE   JSON catalog of MCP servers offered to everyone
                                  (default: hub_config/mcp_catalog.json)
    OPENAI_BASE_URL               OpenAI-compatible endpoint (vLLM, Ollama, ...)
    OPENAI_API_KEY                its key (visible to users in their servers'
                                  environment: use a per-deployment key)
    MCPCHAT_MODEL                 model name
    ============================  ===============================================

    Without OPENAI_API_KEY users get the clearly labelled offline demo model.

Sharing
    JupyterHub sharing is on: a user may grant another user access to their
    server (POST /hub/api/shares/<owner>/<server> {"user": "bob"}). mcpchat-ext keys
    all chat state on the *visiting* user, so a guest sees only their own chats.

Networking (all optional)
    MCPCHAT_HUB_BIND_URL        public URL the proxy listens on (default http://:8000)
    MCPCHAT_HUB_INTERNAL_URL    hub's internal API URL (default http://127.0.0.1:8081)
    MCPCHAT_PROXY_API_URL       CHP's REST API URL (default http://127.0.0.1:8001)
    MCPCHAT_HUB_STATE_DIR       directory of jupyterhub.sqlite, the cookie secret and
                                the proxy pid file (default: the working directory)
    MCPCHAT_HUB_SINGLEUSER_AUTH_CACHE_AGE
                                seconds a user's server caches the hub's answer
                                about a token (default 300): the delay before a
                                logout or revocation reaches an open server
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

c: Any = get_config()  # type: ignore[name-defined]  # noqa: F821  (injected by JupyterHub)

HERE = Path(__file__).resolve().parent
ENV = os.environ


def _list(name: str) -> list[str]:
    """Comma (or whitespace) separated environment variable -> list of non-empty items."""
    return [item for item in ENV.get(name, "").replace(",", " ").split() if item]


def _flag(name: str, default: bool = False) -> bool:
    value = ENV.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ---------------------------------------------------------------------------
# Hub, proxy, state
# ---------------------------------------------------------------------------

if ENV.get("MCPCHAT_HUB_BIND_URL"):
    c.JupyterHub.bind_url = ENV["MCPCHAT_HUB_BIND_URL"]
if ENV.get("MCPCHAT_HUB_INTERNAL_URL"):
    c.JupyterHub.hub_bind_url = ENV["MCPCHAT_HUB_INTERNAL_URL"]
if ENV.get("MCPCHAT_PROXY_API_URL"):
    c.ConfigurableHTTPProxy.api_url = ENV["MCPCHAT_PROXY_API_URL"]

if ENV.get("MCPCHAT_HUB_STATE_DIR"):
    _state = Path(ENV["MCPCHAT_HUB_STATE_DIR"])
    _state.mkdir(parents=True, exist_ok=True)
    c.JupyterHub.db_url = f"sqlite:///{_state / 'jupyterhub.sqlite'}"
    c.JupyterHub.cookie_secret_file = str(_state / "jupyterhub_cookie_secret")
    c.ConfigurableHTTPProxy.pid_file = str(_state / "jupyterhub-proxy.pid")


def _proxy_command() -> list[str]:
    if ENV.get("MCPCHAT_HUB_PROXY_CMD"):
        return ENV["MCPCHAT_HUB_PROXY_CMD"].split()
    local = HERE / "node_modules" / ".bin" / "configurable-http-proxy"
    if local.exists():
        return [str(local)]
    return [shutil.which("configurable-http-proxy") or "configurable-http-proxy"]


c.ConfigurableHTTPProxy.command = _proxy_command()

# ---------------------------------------------------------------------------
# Authentication
# ---------------------------------------------------------------------------

AUTH = ENV.get("MCPCHAT_HUB_AUTH", "generic").strip().lower()

if AUTH == "generic":
    c.JupyterHub.authenticator_class = "generic-oauth"
    auth = c.GenericOAuthenticator
    auth.authorize_url = ENV.get("OAUTH_AUTHORIZE_URL", "")
    auth.token_url = ENV.get("OAUTH_TOKEN_URL", "")
    auth.userdata_url = ENV.get("OAUTH_USERDATA_URL", "")
    auth.username_claim = ENV.get("OAUTH_USERNAME_CLAIM", "preferred_username")
    auth.scope = _list("OAUTH_SCOPES") or ["openid", "profile", "email"]
    auth.login_service = ENV.get("OAUTH_LOGIN_SERVICE", "OpenID Connect")
    if _list("OAUTH_ALLOWED_GROUPS") or _list("OAUTH_ADMIN_GROUPS"):
        # Groups come from the userinfo response kept in auth_state["oauth_user"].
        auth.manage_groups = True
        auth.auth_state_groups_key = "oauth_user." + ENV.get("OAUTH_GROUPS_CLAIM", "groups")
        auth.allowed_groups = set(_list("OAUTH_ALLOWED_GROUPS"))
        auth.admin_groups = set(_list("OAUTH_ADMIN_GROUPS"))
elif AUTH == "github":
    c.JupyterHub.authenticator_class = "github"
    auth = c.GitHubOAuthenticator
    auth.login_service = ENV.get("OAUTH_LOGIN_SERVICE", "GitHub")
    if _list("GITHUB_ALLOWED_ORGS"):
        auth.allowed_organizations = set(_list("GITHUB_ALLOWED_ORGS"))
        auth.scope = ["read:org"]
else:
    raise ValueError(f"MCPCHAT_HUB_AUTH must be 'generic' or 'github', not {AUTH!r}")

# client_id / client_secret / oauth_callback_url: oauthenticator reads
# OAUTH_CLIENT_ID, OAUTH_CLIENT_SECRET and OAUTH_CALLBACK_URL itself; set them
# explicitly so this file documents (and tests exercise) the whole contract.
if ENV.get("OAUTH_CLIENT_ID"):
    auth.client_id = ENV["OAUTH_CLIENT_ID"]
if ENV.get("OAUTH_CLIENT_SECRET"):
    auth.client_secret = ENV["OAUTH_CLIENT_SECRET"]
if ENV.get("OAUTH_CALLBACK_URL"):
    auth.oauth_callback_url = ENV["OAUTH_CALLBACK_URL"]
if ENV.get("OAUTH_LOGOUT_REDIRECT_URL"):
    auth.logout_redirect_url = ENV["OAUTH_LOGOUT_REDIRECT_URL"]
if not _flag("OAUTH_TLS_VERIFY", default=True):
    auth.validate_server_cert = False

c.Authenticator.auto_login = True
c.Authenticator.allow_all = _flag("OAUTH_ALLOW_ALL")
c.Authenticator.allowed_users = set(_list("OAUTH_ALLOWED_USERS"))
c.Authenticator.admin_users = set(_list("OAUTH_ADMIN_USERS"))

if ENV.get("JUPYTERHUB_CRYPT_KEY"):
    # Keep the provider's access/refresh tokens (encrypted) so the hub can notice
    # revoked or expired logins; JupyterHub reads the key from the environment.
    c.Authenticator.enable_auth_state = True
    c.Authenticator.auth_refresh_age = int(ENV.get("MCPCHAT_HUB_AUTH_REFRESH_AGE", "300"))
    c.Authenticator.auth_refresh_strict = _flag("MCPCHAT_HUB_AUTH_REFRESH_STRICT", default=True)
    c.Authenticator.refresh_pre_spawn = True

    # JupyterHub 6.1's refresh_auth reads `handler._token_authenticated`, which only
    # token-authenticated requests set: a stale login on a page view then logs an
    # AttributeError traceback (the user is still sent to log in again). Give the
    # attribute its intended default; API handlers already read it with that default.
    from jupyterhub.handlers.base import BaseHandler

    if not hasattr(BaseHandler, "_token_authenticated"):
        BaseHandler._token_authenticated = False

# ---------------------------------------------------------------------------
# Sharing: users may share their own servers with named users or groups
# ---------------------------------------------------------------------------

c.JupyterHub.load_roles = [
    {
        "name": "user",
        "description": "Default user permissions plus sharing of one's own servers",
        "scopes": ["self", "shares!user", "read:users:name", "read:groups:name"],
    },
]

# ---------------------------------------------------------------------------
# Spawner and single-user servers
# ---------------------------------------------------------------------------

SPAWNER = ENV.get("MCPCHAT_HUB_SPAWNER", "simple").strip().lower()
if SPAWNER == "simple":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = ENV.get("MCPCHAT_HUB_HOME_TEMPLATE", "/tmp/{username}")
elif SPAWNER == "local":
    c.JupyterHub.spawner_class = "localprocess"
    c.LocalProcessSpawner.create_system_users = False
else:
    raise ValueError(f"MCPCHAT_HUB_SPAWNER must be 'simple' or 'local', not {SPAWNER!r}")


def _singleuser_command() -> list[str]:
    if ENV.get("MCPCHAT_SINGLEUSER_CMD"):
        return ENV["MCPCHAT_SINGLEUSER_CMD"].split()
    # The hub's own environment (e.g. the project's .venv), whether or not it is on PATH.
    local = Path(sys.executable).parent / "jupyterhub-singleuser"
    return [str(local)] if local.exists() else ["jupyterhub-singleuser"]


c.Spawner.cmd = _singleuser_command()
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

_args: list[str] = []
if SPAWNER == "simple" and hasattr(os, "geteuid") and os.geteuid() == 0:
    # SimpleLocalProcessSpawner runs servers as the hub's user; jupyter-server
    # refuses to start as root without this (containers, CI).
    _args.append("--allow-root")
if ENV.get("MCPCHAT_HUB_SINGLEUSER_AUTH_CACHE_AGE"):
    _args.append(f"--HubOAuth.cache_max_age={int(ENV['MCPCHAT_HUB_SINGLEUSER_AUTH_CACHE_AGE'])}")
c.Spawner.args = _args

# What every user's server gets from the administrator: the MCP catalog and the model.
_environment: dict[str, str] = {
    "MCPCHAT_SERVER_CATALOG_FILE": ENV.get("MCPCHAT_SERVER_CATALOG_FILE", str(HERE / "mcp_catalog.json")),
}
for _name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "MCPCHAT_MODEL"):
    if ENV.get(_name):
        _environment[_name] = ENV[_name]
if SPAWNER == "simple" and sys.prefix != sys.base_prefix:
    # Servers share the hub's virtual environment: put its bin/ first so that
    # catalog entries with "command": "python" run the interpreter that has the
    # MCP servers installed.
    _environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), ENV.get("PATH", "")])
c.Spawner.environment = _environment
