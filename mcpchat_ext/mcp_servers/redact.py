"""Secrets of MCP server specs: masked for display, and their values removed from free text.

What counts as a secret of a :class:`~mcpchat_ext.protocol.ServerSpec`:

* every ``env`` value and every ``headers`` value;
* a URL's userinfo: ``user:password@`` shows as ``user:***@``, a lone ``token@`` as ``***@``;
* URL query (and fragment) parameters whose *name* looks secret (:func:`is_secret_name`):
  ``?api_key=...``, ``&X-Amz-Signature=...``, ``#access_token=...``;
* command-line arguments: an option whose name looks secret, as ``--api-key=V``, ``--token V``
  or ``-token V`` (the value is masked, the option stays readable); a ``NAME=V`` assignment with a
  secret-looking ``NAME`` (``docker -e GITHUB_TOKEN=V``); a ``Name: V`` header argument with a
  secret-looking name (``mcp-remote --header "Authorization: Bearer V"``); and URLs inside
  arguments, masked as above. Single-letter options (``-p V``, ``-k V``) are *not* masked: their
  meaning depends on the program (``-p`` is a port as often as a password); put such secrets in
  ``env`` instead.

:func:`mask_spec` is what clients see. :func:`redact_text` removes every secret *value* of one or
more specs from any text (errors of a server, log lines), so a server that echoes its credentials
in an error message ("invalid key sk-...") does not leak them, and neither does a truncated repr
(``'token=sk-abcd...'``): the part of a secret next to a ``...`` goes too. Values shorter than
:data:`MIN_SECRET_LEN` characters are left in free text (they would garble every message and hide
nothing); they are still masked in specs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit

from ..protocol import ServerSpec

MASK = "***"
MIN_SECRET_LEN = 4
# a truncated repr ("sk-abcd..." / "...wxyz") shows this much of a secret at most, at least this much
_FRAGMENT_MAX, _FRAGMENT_MIN = 64, 6

# a word of a name (split at non-alphanumerics and camelCase humps) that makes it secret
SECRET_WORDS = frozenset(
    {
        "key", "apikey", "token", "secret", "password", "passwd", "pwd", "pass", "passphrase",
        "auth", "authorization", "signature", "sig", "credential", "credentials", "cred", "creds",
        "bearer", "jwt", "cookie", "session", "sessionid",
    }
)  # fmt: skip
# ... or a part of the name with its separators removed (x-api-key, AccessToken, client_secret)
SECRET_PARTS = (
    "apikey", "accesstoken", "authtoken", "clientsecret", "password", "passwd", "secret", "token",
    "signature", "credential", "privatekey",
)  # fmt: skip

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_OPTION = re.compile(r"(-{1,2})([A-Za-z][A-Za-z0-9_.\-]*)(?:=(.*))?", re.S)
_ASSIGNMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)=(.+)", re.S)
_HEADER = re.compile(r"([A-Za-z][A-Za-z0-9\-]*)[ \t]*:[ \t]*(\S.*)", re.S)
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")


def is_secret_name(name: str) -> bool:
    """Whether a parameter, option, variable or header called ``name`` likely holds a secret."""
    words = {w.lower() for w in _WORDS.findall(name)}
    if words & SECRET_WORDS:
        return True
    squashed = re.sub(r"[^a-z0-9]", "", name.lower())
    return any(part in squashed for part in SECRET_PARTS)


# -- URLs -------------------------------------------------------------------------------------


def _mask_params(params: str, hidden: list[str]) -> str:
    pieces = []
    for piece in params.split("&"):
        name, eq, value = piece.partition("=")
        if eq and value and is_secret_name(unquote_plus(name)):
            hidden.append(value)
            piece = f"{name}={MASK}"
        pieces.append(piece)
    return "&".join(pieces)


def _mask_url(url: str) -> tuple[str, list[str]]:
    """The masked URL and the values it hid (raw, as they appear in ``url``)."""
    hidden: list[str] = []
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a broken IPv6 host: show nothing of it
        return MASK, [url]
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        user, colon, password = userinfo.partition(":")
        if colon:
            hidden.append(password)
            netloc = f"{user}:{MASK}@{host}"
        else:
            hidden.append(user)
            netloc = f"{MASK}@{host}"
    query = _mask_params(parts.query, hidden)
    fragment = _mask_params(parts.fragment, hidden) if "=" in parts.fragment else parts.fragment
    if not hidden:
        return url, []
    return parts._replace(netloc=netloc, query=query, fragment=fragment).geturl(), hidden


def mask_url(url: str) -> str:
    """``url`` with its userinfo and secret-looking query/fragment values replaced by ``***``."""
    return _mask_url(url)[0]


def _mask_urls_in(text: str, hidden: list[str]) -> str:
    def one(match: re.Match[str]) -> str:
        masked, values = _mask_url(match.group(0))
        hidden.extend(values)
        return masked

    return _URL.sub(one, text)


# -- arguments --------------------------------------------------------------------------------


def _mask_arg(arg: str, hidden: list[str]) -> tuple[str, bool]:
    """The masked argument, and whether the *next* argument is this option's secret value."""
    option = _OPTION.fullmatch(arg)
    if option and len(option.group(2)) > 1:
        dashes, name, value = option.groups()
        if is_secret_name(name):
            if value is None:
                return arg, True
            if value:
                hidden.append(value)
                return f"{dashes}{name}={MASK}", False
            return arg, False
        if value:  # --header=Authorization:... / --url=https://user:pw@...
            return f"{dashes}{name}={_mask_arg(value, hidden)[0]}", False
        return arg, False
    for pattern in (_ASSIGNMENT, _HEADER):
        found = pattern.fullmatch(arg)
        if found and is_secret_name(found.group(1)):
            hidden.append(found.group(2))
            return arg[: found.start(2)] + MASK, False
    return _mask_urls_in(arg, hidden), False


def _mask_args(args: Iterable[str]) -> tuple[list[str], list[str]]:
    masked: list[str] = []
    hidden: list[str] = []
    value_next = False
    for arg in args:
        if value_next and not arg.startswith("--"):
            value_next = False
            if arg:
                hidden.append(arg)
                masked.append(MASK)
                continue
        shown, value_next = _mask_arg(arg, hidden)
        masked.append(shown)
    return masked, hidden


def mask_args(args: Iterable[str]) -> list[str]:
    """Command-line arguments with secret option values, assignments and URL parts masked."""
    return _mask_args(args)[0]


# -- specs ------------------------------------------------------------------------------------


def mask_spec(spec: ServerSpec) -> ServerSpec:
    """A copy of ``spec`` as clients see it: env and header values, URL secrets, secret args masked."""
    return spec.model_copy(
        update={
            "env": {k: MASK for k in spec.env},
            "headers": {k: MASK for k in spec.headers},
            "url": mask_url(spec.url) if spec.url else spec.url,
            "args": mask_args(spec.args),
        }
    )


def _variants(value: str) -> set[str]:
    """``value`` as it may appear in text: raw, percent-encoded, JSON-escaped."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    if "%" in value or "+" in value:
        forms.add(unquote_plus(value))
    return forms


def secret_values(spec: ServerSpec) -> set[str]:
    """Every secret value of ``spec`` (in the forms it may take in text), for :func:`scrub`."""
    raw: list[str] = [*spec.env.values()]
    for value in spec.headers.values():
        raw.append(value)
        raw.extend(value.split())  # "Bearer <token>": the token alone too
    if spec.url:
        raw.extend(_mask_url(spec.url)[1])
    raw.extend(_mask_args(spec.args)[1])
    found: set[str] = set()
    for value in raw:
        found |= _variants(value.strip())
    return {v for v in found if len(v) >= MIN_SECRET_LEN}


def _fragment_spans(text: str, values: set[str]) -> list[tuple[int, int]]:
    """Spans of ``text`` next to a ``...`` that are the start or the end of one of ``values``."""
    spans = []
    for dots in re.finditer(r"\.\.\.|\u2026", text):
        start, end = dots.span()
        for value in values:
            for k in range(min(len(value) - 1, _FRAGMENT_MAX, start), _FRAGMENT_MIN - 1, -1):
                if text[start - k : start] == value[:k]:
                    spans.append((start - k, start))
                    break
            for k in range(min(len(value) - 1, _FRAGMENT_MAX, len(text) - end), _FRAGMENT_MIN - 1, -1):
                if text[end : end + k] == value[-k:]:
                    spans.append((end, end + k))
                    break
    return spans


def scrub(text: str, values: Iterable[str]) -> str:
    """``text`` with each of ``values`` (longest first), the parts of them that a truncation
    left, and every URL secret replaced by ``***``."""
    values = {v for v in values if v}
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    if values and ("..." in text or "\u2026" in text):
        merged: list[list[int]] = []
        for start, end in sorted(_fragment_spans(text, values)):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        for start, end in reversed(merged):  # later spans first: earlier offsets stay valid
            text = text[:start] + MASK + text[end:]
    return _mask_urls_in(text, [])


def redact_text(text: str, *specs: ServerSpec) -> str:
    """``text`` without any secret value of ``specs`` (for errors and log lines about servers)."""
    values: set[str] = set()
    for spec in specs:
        values |= secret_values(spec)
    return scrub(text, values)
