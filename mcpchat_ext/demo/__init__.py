"""The offline demo: a deterministic chat model and a small MCP server, so everything works
without an API key or network. Nothing in the agent core depends on it."""
