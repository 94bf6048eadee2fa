"""Optional encryption at rest of MCP server credentials, like JupyterHub's ``JUPYTERHUB_CRYPT_KEY``.

With ``MCPCHAT_CRYPT_KEY`` set (``MCPChatExtension.crypt_key``): one or more Fernet keys
separated by ``;`` (the first encrypts, every one decrypts, so keys can be rotated), made with
``python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"``.
Every secret value of a stored server is then written as ``enc:<Fernet token>``: its env and
header values, its URL when that carries credentials, and the arguments that masking hides (see
:mod:`mcpchat_ext.mcp_servers.redact`). Values written before the key was set stay readable and
are encrypted when the server is next saved.

Without the key (or with another one) encrypted values cannot be read: the store raises a
StorageError naming ``MCPCHAT_CRYPT_KEY``. Needs the ``cryptography`` package
(``pip install mcpchat-ext[crypt]``; JupyterHub installs it too).
"""

from __future__ import annotations

from typing import Any

from ..errors import StorageError
from ..mcp_servers.redact import mask_args, mask_url

PREFIX = "enc:"
KEY_VARIABLE = "MCPCHAT_CRYPT_KEY"


class Cipher:
    """Fernet encryption with the keys of ``MCPCHAT_CRYPT_KEY`` (ValueError when they are bad)."""

    def __init__(self, keys: str) -> None:
        try:
            from cryptography.fernet import Fernet, MultiFernet
        except ImportError:
            raise ValueError(
                f"{KEY_VARIABLE} is set but the 'cryptography' package is not installed "
                "(pip install mcpchat-ext[crypt])"
            ) from None
        parts = [k.strip() for k in keys.split(";") if k.strip()]
        if not parts:
            raise ValueError(f"{KEY_VARIABLE} holds no key")
        fernets = []
        for i, key in enumerate(parts):
            try:
                fernets.append(Fernet(key.encode()))
            except ValueError:
                raise ValueError(
                    f"key {i + 1} of {KEY_VARIABLE} is not a Fernet key (32 url-safe base64-encoded "
                    "bytes, e.g. from cryptography.fernet.Fernet.generate_key())"
                ) from None
        self._fernet = MultiFernet(fernets)

    def encrypt(self, value: str) -> str:
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str | None:
        """The plaintext, or None when no key of this cipher decrypts ``token``."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            return None


def cipher_from_keys(keys: str | None) -> Cipher | None:
    return Cipher(keys) if keys and keys.strip() else None


def _secret_positions(args: list[str]) -> set[int]:
    return {i for i, (a, shown) in enumerate(zip(args, mask_args(args), strict=True)) if a != shown}


def seal(fields: dict[str, Any], cipher: Cipher | None) -> dict[str, Any]:
    """The stored form of a spec's fields: their secret values encrypted (unchanged without a cipher)."""
    if cipher is None:
        return fields
    out = dict(fields)
    out["env"] = {k: cipher.encrypt(v) for k, v in fields["env"].items()}
    out["headers"] = {k: cipher.encrypt(v) for k, v in fields["headers"].items()}
    if fields["url"] and mask_url(fields["url"]) != fields["url"]:
        out["url"] = cipher.encrypt(fields["url"])
    secret = _secret_positions(fields["args"])
    out["args"] = [cipher.encrypt(a) if i in secret else a for i, a in enumerate(fields["args"])]
    return out


def unseal(fields: dict[str, Any], cipher: Cipher | None, server: str) -> dict[str, Any]:
    """The spec fields of a stored row: ``enc:`` values decrypted (StorageError if they cannot be)."""

    def clear(value: str) -> str:
        if not value.startswith(PREFIX):
            return value
        if cipher is None:
            raise StorageError(
                f"the credentials of MCP server '{server}' are stored encrypted: set {KEY_VARIABLE} "
                "(MCPChatExtension.crypt_key) to the key they were written with"
            )
        plain = cipher.decrypt(value)
        if plain is None:
            raise StorageError(
                f"cannot decrypt the credentials of MCP server '{server}' with {KEY_VARIABLE}: it "
                "does not hold the key they were written with (when rotating keys, keep the old one "
                "after the new one, separated by ';')"
            )
        return plain

    out = dict(fields)
    out["env"] = {k: clear(v) for k, v in fields["env"].items()}
    out["headers"] = {k: clear(v) for k, v in fields["headers"].items()}
    out["url"] = clear(fields["url"]) if fields["url"] else fields["url"]
    out["args"] = [clear(a) for a in fields["args"]]
    return out
