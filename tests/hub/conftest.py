"""Fixtures of the JupyterHub end-to-end tests: a real OIDC provider (oidc-provider-mock),
a real JupyterHub with hub_config/jupyterhub_config.py behind a real configurable-http-proxy,
real single-user servers with the mcpchat_ext extension. Everything on loopback.

The proxy comes from npm: ``cd hub_config && npm install``; without it these tests skip.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
import warnings
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.fakes.ports import free_port
from tests.hub.hubclient import HubBrowser

with warnings.catch_warnings():
    # oidc-provider-mock imports authlib.jose, which authlib deprecated. authlib.deprecate adds
    # an "always" filter for its warnings on import: import it first, then ignore them all here.
    import authlib.deprecate  # noqa: F401

    warnings.simplefilter("ignore")
    from oidc_provider_mock import User, run_server_in_thread

ROOT = Path(__file__).resolve().parents[2]
HUB_CONFIG_DIR = ROOT / "hub_config"
HUB_CONFIG = HUB_CONFIG_DIR / "jupyterhub_config.py"
LOCAL_CHP = HUB_CONFIG_DIR / "node_modules" / ".bin" / "configurable-http-proxy"

# Users known to the provider. Members of ALLOWED_GROUP may log in; mallory may not.
ALLOWED_GROUP = "mcpchat-users"
MEMBERS = ("alice", "bob", "carol", "dave")
OUTSIDER = "mallory"

# Small so that revocations reach the hub and the user servers within a test.
AUTH_REFRESH_AGE = 2
SINGLEUSER_AUTH_CACHE_AGE = 1


# oidc-provider-mock runs on authlib APIs that authlib has deprecated; not ours to fix.
PROVIDER_WARNINGS = [
    pytest.mark.filterwarnings("ignore::DeprecationWarning:authlib.*"),
    pytest.mark.filterwarnings("ignore:authlib.jose module is deprecated"),
    pytest.mark.filterwarnings("ignore:get_jwt_config"),
]


@dataclass
class OIDCProvider:
    url: str  # base URL, e.g. http://localhost:12345

    def revoke_tokens(self, sub: str) -> None:
        """Revoke every access and refresh token the provider issued to `sub`."""
        r = httpx.post(f"{self.url}/users/{sub}/revoke-tokens", trust_env=False)
        assert r.status_code == 204, r.text


@dataclass
class Hub:
    url: str  # public URL (through configurable-http-proxy), no trailing slash
    log_path: Path
    home_root: Path
    oidc: OIDCProvider

    def log_tail(self, n: int = 80) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return "(no hub log)"
        return "\n".join(lines[-n:])

    def browser(self) -> HubBrowser:
        return HubBrowser(self.url)


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[OIDCProvider]:
    users = [User(sub=name, claims={"groups": [ALLOWED_GROUP]}) for name in MEMBERS]
    users.append(User(sub=OUTSIDER, claims={"groups": ["visitors"]}))
    with pytest.MonkeyPatch.context() as mp:
        # The provider runs in this process over plain http on loopback.
        mp.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")
        with run_server_in_thread(port=free_port(), user_claims=users) as server:
            yield OIDCProvider(url=f"http://localhost:{server.server_port}")


@pytest.fixture(scope="module")
def chp_command() -> list[str]:
    """configurable-http-proxy from hub_config/node_modules (`cd hub_config && npm install`)."""
    if LOCAL_CHP.exists():
        return [str(LOCAL_CHP)]
    pytest.skip(
        f"configurable-http-proxy is not installed ({LOCAL_CHP} is missing): "
        "run `cd hub_config && npm install` (or `npm ci`)"
    )


def _hub_env(tmp: Path, oidc: OIDCProvider, chp: list[str], port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        # The model endpoint and catalog come from this test, not from the caller's shell.
        if k not in {"OPENAI_API_KEY", "OPENAI_BASE_URL", "MCPCHAT_MODEL", "MCPCHAT_DATA_DIR"}
        and not k.startswith(("OAUTH", "MCPCHAT_HUB", "JUPYTERHUB_", "JUPYTER_"))
        and k.lower() not in {"http_proxy", "https_proxy", "all_proxy"}
    }
    hub_url = f"http://127.0.0.1:{port}"
    env.update(
        {
            "NO_PROXY": "127.0.0.1,localhost",
            "MCPCHAT_HUB_AUTH": "generic",
            "OAUTH_AUTHORIZE_URL": f"{oidc.url}/oauth2/authorize",
            "OAUTH_TOKEN_URL": f"{oidc.url}/oauth2/token",
            "OAUTH_USERDATA_URL": f"{oidc.url}/userinfo",
            "OAUTH_CLIENT_ID": "jupyterhub-e2e",
            "OAUTH_CLIENT_SECRET": secrets.token_hex(16),
            "OAUTH_CALLBACK_URL": f"{hub_url}/hub/oauth_callback",
            "OAUTH_USERNAME_CLAIM": "sub",
            "OAUTH_SCOPES": "openid profile",
            "OAUTH_ALLOWED_GROUPS": ALLOWED_GROUP,
            "OAUTH_GROUPS_CLAIM": "groups",
            "JUPYTERHUB_CRYPT_KEY": secrets.token_hex(32),
            "MCPCHAT_HUB_AUTH_REFRESH_AGE": str(AUTH_REFRESH_AGE),
            "MCPCHAT_HUB_SINGLEUSER_AUTH_CACHE_AGE": str(SINGLEUSER_AUTH_CACHE_AGE),
            "MCPCHAT_HUB_BIND_URL": f"{hub_url}/",
            "MCPCHAT_HUB_INTERNAL_URL": f"http://127.0.0.1:{free_port()}",
            "MCPCHAT_PROXY_API_URL": f"http://127.0.0.1:{free_port()}",
            "MCPCHAT_HUB_STATE_DIR": str(tmp / "state"),
            "MCPCHAT_HUB_HOME_TEMPLATE": str(tmp / "home" / "{username}"),
            "MCPCHAT_HUB_PROXY_CMD": " ".join(chp),
            "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(16),
            # The single-user servers use the shipped example catalog (hub_config/mcp_catalog.json)
            # and, without OPENAI_API_KEY, the offline demo model.
        }
    )
    return env


def _extension_installed() -> bool:
    """Whether mcpchat_ext is installed in this environment (not just importable from the
    checkout because pytest runs from it)."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util, sys; sys.exit(importlib.util.find_spec('mcpchat_ext') is None)",
        ],
        cwd="/",
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        capture_output=True,
        timeout=60,
    )
    return probe.returncode == 0


def _use_checkout_extension(env: dict[str, str], home_root: Path) -> None:
    """Development checkout without `pip install -e .`: the users' servers import the package
    from the checkout (the spawner keeps PYTHONPATH) and enable it with the checkout's
    server-config JSON in each user's ~/.jupyter, as installing the package would."""
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    enable = ROOT / "jupyter-config" / "server-config" / "mcpchat_ext.json"
    for user in (*MEMBERS, OUTSIDER):
        conf_d = home_root / user / ".jupyter" / "jupyter_server_config.d"
        conf_d.mkdir(parents=True, exist_ok=True)
        (conf_d / "mcpchat_ext.json").write_text(json.dumps(json.loads(enable.read_text())))


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"jupyterhub exited with {proc.returncode}:\n{log.read_text()[-6000:]}")
        try:
            r = httpx.get(f"{url}/hub/api/", trust_env=False, timeout=2)
            if r.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"jupyterhub did not come up in {timeout}s:\n{log.read_text()[-6000:]}")


@pytest.fixture(scope="module")
def hub(
    tmp_path_factory: pytest.TempPathFactory, oidc_provider: OIDCProvider, chp_command: list[str]
) -> Iterator[Hub]:
    tmp = tmp_path_factory.mktemp("hub")
    port = free_port()
    env = _hub_env(tmp, oidc_provider, chp_command, port)
    if not _extension_installed():
        _use_checkout_extension(env, tmp / "home")
    log_path = tmp / "jupyterhub.log"
    url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(HUB_CONFIG), "--debug"],
            cwd=tmp,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    hub = Hub(url=url, log_path=log_path, home_root=tmp / "home", oidc=oidc_provider)
    try:
        _wait_until_up(url, proc, log_path)
        yield hub
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM: JupyterHub stops the users' servers and the proxy it started, then exits."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(autouse=True)
def _show_hub_log_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    rep = getattr(request.node, "rep_call", None)
    if rep is not None and rep.failed and "hub" in request.fixturenames:
        hub: Hub = request.getfixturevalue("hub")
        print(f"---- jupyterhub log (tail) ----\n{hub.log_tail(150)}")


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep
