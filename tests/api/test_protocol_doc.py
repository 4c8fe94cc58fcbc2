"""docs/PROTOCOL.md is what the code declares (regenerate: python -m tabwise.api.schema)."""

from __future__ import annotations

from pathlib import Path

from tabwise.api.schema import protocol_markdown
from tabwise.commands import COMMANDS

DOC = Path(__file__).parents[2] / "docs" / "PROTOCOL.md"


def test_the_committed_protocol_doc_is_the_generated_one() -> None:
    assert DOC.read_text(encoding="utf-8") == protocol_markdown(), \
        "docs/PROTOCOL.md is out of date: run `uv run python -m tabwise.api.schema`"


def test_the_doc_names_every_command_and_contract_type() -> None:
    text = protocol_markdown()
    for name in COMMANDS:
        assert f"### `{name}`" in text
    for cls in ("AiConfig", "SessionInfo", "Usage", "ContextUsage", "CompareResult"):
        assert f"### {cls}" in text
