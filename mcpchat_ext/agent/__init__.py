"""The LangGraph agent: model, graph with tool approval, turn runner, checkpoints."""
