"""Per-user state: the registry of workspaces, and each user's chats, servers, turns, fan-out
and approval policy."""
