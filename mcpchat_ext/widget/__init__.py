"""The notebook chat widget (anywidget); ``static/`` holds the built frontend bundle."""

from .chat_widget import ChatWidget

__all__ = ["ChatWidget"]
