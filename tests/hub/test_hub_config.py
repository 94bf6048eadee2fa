"""hub_config/jupyterhub_config.py read by traitlets like JupyterHub reads it, for each supported
environment; hub_config/z2jh-values.yaml carries the same deployment for Zero to JupyterHub.
No hub is started here."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from tests.hub.conftest import HUB_CONFIG, HUB_CONFIG_DIR

pytestmark = [pytest.mark.hub, pytest.mark.timeout(60)]

OIDC_ENV = {
    "OAUTH_AUTHORIZE_URL": "https://idp.example.org/auth",
    "OAUTH_TOKEN_URL": "https://idp.example.org/token",
    "OAUTH_USERDATA_URL": "https://idp.example.org/userinfo",
    "OAUTH_CLIENT_ID": "hub",
    "OAUTH_CLIENT_SECRET": "s3cret",
    "OAUTH_CALLBACK_URL": "https://hub.example.org/hub/oauth_callback",
}


def load(monkeypatch: pytest.MonkeyPatch, **env: str) -> Config:
    for name in list(os.environ):
        if name.startswith(("OAUTH", "MCPCHAT_", "OPENAI_", "GITHUB_", "JUPYTERHUB_CRYPT")):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    loader = PyFileConfigLoader(HUB_CONFIG.name, path=str(HUB_CONFIG_DIR))
    config: Config = loader.load_config()
    return config


def test_generic_oidc_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(monkeypatch, **OIDC_ENV, OAUTH_USERNAME_CLAIM="sub", OAUTH_ALLOWED_USERS="alice, bob")
    assert c.JupyterHub.authenticator_class == "generic-oauth"
    auth = c.GenericOAuthenticator
    assert auth.authorize_url == OIDC_ENV["OAUTH_AUTHORIZE_URL"]
    assert auth.token_url == OIDC_ENV["OAUTH_TOKEN_URL"]
    assert auth.userdata_url == OIDC_ENV["OAUTH_USERDATA_URL"]
    assert auth.client_id == "hub" and auth.client_secret == "s3cret"
    assert auth.oauth_callback_url == OIDC_ENV["OAUTH_CALLBACK_URL"]
    assert auth.username_claim == "sub"
    assert c.Authenticator.auto_login is True
    assert c.Authenticator.allowed_users == {"alice", "bob"}
    assert c.Authenticator.allow_all is False
    # no crypt key: no auth state to re-check
    assert "enable_auth_state" not in c.Authenticator


def test_username_claim_defaults_to_preferred_username(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(monkeypatch, **OIDC_ENV, OAUTH_ALLOW_ALL="1")
    assert c.GenericOAuthenticator.username_claim == "preferred_username"
    assert c.Authenticator.allow_all is True


def test_github_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(
        monkeypatch,
        MCPCHAT_HUB_AUTH="github",
        OAUTH_CLIENT_ID="gh-id",
        OAUTH_CLIENT_SECRET="gh-secret",
        GITHUB_ALLOWED_ORGS="my-org,my-org:team",
    )
    assert c.JupyterHub.authenticator_class == "github"
    assert c.GitHubOAuthenticator.client_id == "gh-id"
    assert c.GitHubOAuthenticator.allowed_organizations == {"my-org", "my-org:team"}
    assert c.GitHubOAuthenticator.scope == ["read:org"]
    assert c.Authenticator.auto_login is True
    assert "GenericOAuthenticator" not in c


@pytest.mark.parametrize(("name", "value"), [("MCPCHAT_HUB_AUTH", "ldap"), ("MCPCHAT_HUB_SPAWNER", "docker")])
def test_unknown_choices_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        load(monkeypatch, **OIDC_ENV, **{name: value})


def test_every_users_server_gets_the_admins_model_and_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(
        monkeypatch,
        **OIDC_ENV,
        OPENAI_BASE_URL="http://llm.internal/v1",
        OPENAI_API_KEY="sk-hub",
        MCPCHAT_MODEL="qwen3",
    )
    env: dict[str, Any] = c.Spawner.environment
    assert env["OPENAI_BASE_URL"] == "http://llm.internal/v1"
    assert env["OPENAI_API_KEY"] == "sk-hub"
    assert env["MCPCHAT_MODEL"] == "qwen3"
    catalog = Path(env["MCPCHAT_SERVER_CATALOG_FILE"])
    assert catalog == HUB_CONFIG_DIR / "mcp_catalog.json"
    assert "mcpServers" in json.loads(catalog.read_text())
    # the hub's own interpreter environment runs the single-user servers
    assert c.Spawner.cmd == [str(Path(sys.executable).parent / "jupyterhub-singleuser")]
    assert c.ConfigurableHTTPProxy.command[0].endswith("configurable-http-proxy")


def test_without_a_key_users_get_the_demo_model(monkeypatch: pytest.MonkeyPatch) -> None:
    env: dict[str, Any] = load(monkeypatch, **OIDC_ENV).Spawner.environment
    assert "OPENAI_API_KEY" not in env and "OPENAI_BASE_URL" not in env


def test_crypt_key_turns_on_auth_state_refresh(monkeypatch: pytest.MonkeyPatch) -> None:
    c = load(monkeypatch, **OIDC_ENV, JUPYTERHUB_CRYPT_KEY="00" * 32, MCPCHAT_HUB_AUTH_REFRESH_AGE="60")
    assert c.Authenticator.enable_auth_state is True
    assert c.Authenticator.auth_refresh_age == 60
    assert c.Authenticator.auth_refresh_strict is True


def test_z2jh_values_match_the_local_config() -> None:
    values = yaml.safe_load((HUB_CONFIG_DIR / "z2jh-values.yaml").read_text())
    hub = values["hub"]
    assert hub["config"]["JupyterHub"]["authenticator_class"] == "generic-oauth"
    assert hub["config"]["Authenticator"]["auto_login"] is True
    generic = hub["config"]["GenericOAuthenticator"]
    assert {"authorize_url", "token_url", "userdata_url", "username_claim"} <= set(generic)
    for name in ("OAUTH_CLIENT_ID", "OAUTH_CLIENT_SECRET"):
        assert "secretKeyRef" in hub["extraEnv"][name]["valueFrom"]
    assert "shares!user" in hub["loadRoles"]["user"]["scopes"]

    single = values["singleuser"]
    env = single["extraEnv"]
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY"):
        assert "secretKeyRef" in env[name]["valueFrom"]
    mounts = {m["name"]: m for m in single["storage"]["extraVolumeMounts"]}
    volumes = {v["name"]: v for v in single["storage"]["extraVolumes"]}
    catalog = mounts["mcpchat-catalog"]
    assert volumes["mcpchat-catalog"]["configMap"]["name"] == "mcpchat-catalog"
    assert env["MCPCHAT_SERVER_CATALOG_FILE"] == catalog["mountPath"] + "/mcp_catalog.json"
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] > 0
