"""The committed JSON schema of the wire contract is the one the protocol package prints.

labextension/schema/protocol.schema.json is what the TypeScript types are generated from
(labextension/scripts/gen-protocol.mjs), so a change of a model in the protocol package that is not
exported there would leave the UI compiling against the old contract.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "labextension" / "schema" / "protocol.schema.json"
REGENERATE = "python -m mcpchat_ext.protocol > labextension/schema/protocol.schema.json"


def _printed() -> str:
    out = subprocess.run(
        [sys.executable, "-m", "mcpchat_ext.protocol"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return out.stdout


def test_committed_schema_is_what_protocol_py_prints() -> None:
    printed = _printed()
    committed = SCHEMA.read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(printed), (
        f"{SCHEMA.relative_to(ROOT)} is out of date with mcpchat_ext/protocol/; regenerate it with "
        f"`{REGENERATE}` (from the repository root), then rebuild the labextension"
    )
    assert committed == printed, f"same schema, other formatting: regenerate it with `{REGENERATE}`"


def test_schema_has_every_frame_and_body() -> None:
    from pydantic import BaseModel

    from mcpchat_ext import protocol

    defs = json.loads(SCHEMA.read_text(encoding="utf-8"))["$defs"]
    frames = {
        name
        for name, value in vars(protocol).items()
        if name.endswith("Frame") and isinstance(value, type) and issubclass(value, BaseModel)
    }
    bodies = set(
        "CreateChat UpdateChat ImportServers SendMessage SubmitDecisions HistoryPage Settings NewRule ApprovalRule".split()
    )
    assert frames | bodies | {"ClientFrame", "ServerFrame"} <= set(defs)
    # the client reads frames as the server sends them: every field, and the tag, is there
    assert set(defs["DoneFrame"]["required"]) == {"type", "chat_id", "message"}
    assert set(defs["ChatInfo"]["required"]) == set(protocol.ChatInfo.model_fields)
    # what the server accepts may leave out fields with a default, but never a frame's tag
    assert defs["CallFrame"]["required"] == ["type", "id", "method"]
    assert defs["ServerSpec-Input"]["required"] == ["name"]
