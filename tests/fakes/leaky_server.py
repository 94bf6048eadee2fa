"""A stdio "MCP server" that leaks its credentials everywhere it can, then fails the handshake.

It prints ``$LEAKY_TOKEN`` and its ``--api-key=`` argument to stderr and as a non-JSON line on
stdout (the MCP SDK logs unparseable lines with their content), then answers ``initialize`` with a
JSON-RPC error whose message quotes both ("invalid credentials ..."), as real servers do.
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    token = os.environ.get("LEAKY_TOKEN", "")
    key = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--api-key=")), "")
    print(f"starting with token {token} and key {key}", file=sys.stderr, flush=True)
    print(f"debug: token={token} key={key}", flush=True)  # not JSON-RPC
    line = sys.stdin.readline()
    request = json.loads(line) if line.strip() else {"id": 0}
    message = f"invalid credentials: token {token} / key {key} rejected"
    error = {"jsonrpc": "2.0", "id": request.get("id", 0), "error": {"code": -32001, "message": message}}
    print(json.dumps(error), flush=True)
    sys.stdin.readline()  # wait for the client to go away


if __name__ == "__main__":
    main()
