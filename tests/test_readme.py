"""README's server section names every command (docs/PROTOCOL.md has the details)."""

from __future__ import annotations

from pathlib import Path

from tabwise.commands import COMMANDS

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_names_every_command() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"`{name}`" not in text and f"`{name}(" not in text]
    assert not missing, f"README.md's server protocol section does not name {missing}"
