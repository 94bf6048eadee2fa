"""The options of the optional MCP endpoint (mixed into the server extension's traitlets)."""

from __future__ import annotations

from typing import Any

from traitlets import Bool, Bunch, List, TraitError, Unicode, validate
from traitlets.config import Configurable

READ_ONLY = "@read-only"  # (the tools annotated read-only, as in approval rules)


class EndpointOptions(Configurable):
    mcp_endpoint = Bool(
        False,
        help="""Publish the built-in 'jupyter' tools as a streamable-HTTP MCP endpoint at
        <base_url>/mcpchat/mcp, on this Jupyter server's own port (no extra port or process).

        Requests are authenticated as any Jupyter API request (a token in the Authorization
        header, or the login cookie plus the XSRF token for POST); each tool call acts as the
        authenticated visitor and is checked with this server's authorizer (on JupyterHub: the
        visitor's scopes), exactly as the chat's own tool calls.

        Calls through the endpoint are NOT shown on the chat's approval cards: the outside MCP
        client (IDE, agent) is its own approver. Expose only tools you accept to be called that
        way (mcp_endpoint_tools). Needs jupyter_tools. Off by default.""",
    ).tag(config=True)
    mcp_endpoint_tools = List(
        Unicode(),
        default_value=[READ_ONLY],
        help="""The jupyter tools the MCP endpoint exposes: tool names (list_files, read_file,
        read_notebook, read_open_notebook, create_notebook, insert_cell, replace_cell,
        delete_cell, run_cell, execute_code, list_variables, inspect_variable), '@read-only' for
        every tool annotated read-only (the default: listing and reading files and notebooks,
        listing and inspecting kernel variables), or '*' for all of them, including the ones that
        edit notebooks and run code without any approval card.""",
    ).tag(config=True)

    @validate("mcp_endpoint_tools")
    def _known_tools(self, proposal: Bunch) -> list[str]:
        from .jupyter_tools.server import TOOLS

        known = {t.name for t in TOOLS} | {READ_ONLY, "*"}
        unknown = [name for name in proposal.value if name not in known]
        if unknown:
            raise TraitError(
                f"MCPChatExtension.mcp_endpoint_tools: unknown tool(s) {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(sorted(known))}"
            )
        return list(proposal.value)

    def exposed_tools(self) -> frozenset[str]:
        """The names of the tools the endpoint serves."""
        from .jupyter_tools.server import TOOLS

        chosen: Any = set(self.mcp_endpoint_tools)
        return frozenset(
            t.name
            for t in TOOLS
            if "*" in chosen or t.name in chosen or (READ_ONLY in chosen and t.read_only)
        )
