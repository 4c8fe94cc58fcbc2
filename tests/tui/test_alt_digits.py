"""Alt+1..9 must reach the app as alt+digit in xterm-style terminals (ESC + digit)."""

from __future__ import annotations

from textual._xterm_parser import XTermParser

import tabwise.tui.app  # noqa: F401  (removes Textual's macOS Option-digit mappings)


def keys_for(data: str) -> list[str]:
    parser = XTermParser()
    return [getattr(ev, "key", "") for ev in parser.feed(data)] + [
        getattr(ev, "key", "") for ev in parser.feed("")]


def test_escape_digit_is_alt_digit() -> None:
    for digit in "123456789":
        assert "alt+" + digit in keys_for("\x1b" + digit)


def test_typed_symbols_are_still_characters() -> None:
    assert "pound_sign" in keys_for("£")
