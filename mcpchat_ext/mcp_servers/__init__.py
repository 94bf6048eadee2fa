"""MCP client side: server specs, transports, one persistent session per server (worker), the
manager of a user's sessions, and the LangChain tools wrapping their tools and results.

(Not named ``mcp``: that would shadow the MCP SDK.)"""
