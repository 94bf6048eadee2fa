"""``python -m mcpchat_ext.protocol > labextension/schema/protocol.schema.json``: the wire contract
as one JSON schema document (the TypeScript types are generated from it at build time;
tests/test_protocol_schema.py fails when the committed copy drifts)."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

import mcpchat_ext.protocol as protocol

# what the server sends (serialization: every field present) and what it accepts (validation)
SENT = (
    "ServerFrame ChatInfo HistoryPage ServerStatus Settings ApprovalRule ChatExport Branches "
    "ToolMedia ResourceContent ServerLogEntry ResourceList PromptInfo PromptMessage"
)
ACCEPTED = (
    "ClientFrame ServerSpec CreateChat UpdateChat ImportServers SendMessage SubmitDecisions NewRule "
    "RetryParams EditParams SwitchParams NotebookAnswer"
)


class _Schema(GenerateJsonSchema):
    """A sent record has every field; a frame's ``type`` tag is always required."""

    def field_is_required(self, field: Any, total: bool) -> bool:
        tag = len(field["schema"].get("schema", {}).get("expected", ())) == 1  # Literal["call"] = "call"
        return self.mode == "serialization" or tag or super().field_is_required(field, total)


def schema() -> dict[str, Any]:
    modes: list[tuple[str, JsonSchemaMode]] = [(SENT, "serialization"), (ACCEPTED, "validation")]
    inputs = [(n, m, TypeAdapter(getattr(protocol, n))) for names, m in modes for n in names.split()]
    top, doc = TypeAdapter.json_schemas(inputs, schema_generator=_Schema, title="mcpchat-ext wire contract")
    doc["$defs"].update({n: s for (n, _), s in top.items() if "$ref" not in s})  # ClientFrame, ServerFrame
    return {**doc, "version": protocol.PROTOCOL_VERSION}


if __name__ == "__main__":
    print(TypeAdapter(Any).dump_json(schema(), indent=2).decode())
