"""The base of every wire model: unknown fields are refused."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

PROTOCOL_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def dump(frame: BaseModel) -> dict[str, Any]:
    """JSON-ready dict of a frame or record."""
    return frame.model_dump(mode="json")


def jsonable(value: Any) -> Any:
    """JSON-ready form of a record, a list of records, or plain JSON data."""
    if isinstance(value, BaseModel):
        return dump(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value
