"""The built-in ``jupyter`` tools: files, notebooks and kernels of the Jupyter server the chat
runs in, acting as the visiting user through the server's own managers and authorizer.

Served in process (no port, no process) as an MCP server over in-memory streams, so each call is
an ordinary MCP tool call: approval card, rules, audit, timeouts and output caps as for any server.
"""

from __future__ import annotations

from .provider import JupyterTools

__all__ = ["JupyterTools"]
