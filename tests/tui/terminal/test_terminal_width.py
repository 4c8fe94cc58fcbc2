"""Emulator and renderer agree on every grapheme's width: the row drawn is exactly the
pane's width and each character sits in the column the emulator put it in."""

from __future__ import annotations

import unicodedata

import pytest
from rich.cells import cell_len

from tabwise.tui.terminal import AvtEmulator, Emulator, PyteEmulator, StripPainter
from tabwise.tui.terminal._width import fit_cells

ROWS = [
    "skin: 👍🏽 zwj: 👨‍👩‍👧 |",
    "flags: 🇯🇵🇫🇷 |",
    "vs: ❤️ ☺️ 1️⃣ |",
    "cjk: 漢字かな한글 |",
    "marks: é ñ̃ a\u20dd |",
    "lone: \u0301\u200d\U0001f3fd |",
    "newer unicode: ☰ ☷ \u17a4 |",
]
WIDTH = 40


@pytest.mark.parametrize("engine", [AvtEmulator, PyteEmulator])
@pytest.mark.parametrize("text", ROWS)
def test_rendered_row_is_the_pane_width_and_the_bar_stays_put(
        text: str, engine: type[Emulator]) -> None:
    if engine is PyteEmulator and any(unicodedata.category(c) in ("Mn", "Me", "Cf", "Sk")
                                      for c in text):
        pytest.skip("pyte 0.8 loses the text after a zero-width character (its bug)")
    emu = engine(3, WIDTH)  # type: ignore[call-arg]
    emu.feed(text.encode())
    bar_col = emu.cursor.col - 1  # the cursor is just after the bar
    drawn = "".join(t for t, _pen in emu.runs(0))
    assert cell_len(drawn) == WIDTH
    assert cell_len(drawn[: drawn.rindex("|")]) == bar_col
    painter = StripPainter()
    for cursor in (None, 0, 7, bar_col, WIDTH - 1):
        strip = painter.strip(emu.runs(0), WIDTH, cursor)
        assert cell_len("".join(seg.text for seg in strip)) == WIDTH


def test_joined_graphemes_are_drawn_joined_and_padded_to_the_emulators_cells() -> None:
    family = ["👨", "\u200d", "👩", "\u200d", "👧"]
    assert fit_cells(family, [2, 1, 2, 1, 2]) == "👨\u200d👩\u200d👧" + " " * 6
    assert fit_cells(["e", "\u0301", "x"], [1, 1, 1]) == "e\u0301 x"
    # Skin tones and emoji variation selectors are measured differently by terminals.
    assert fit_cells(["👍", "\U0001f3fd"], [2, 2]) == "👍  "
    assert fit_cells(["❤", "\ufe0f"], [1, 1]) == "❤ "


@pytest.mark.parametrize(("text", "columns"), [
    ("e\u0301x", 2),  # a decomposed é (macOS file names): one column, as wcwidth says
    ("\u2764\ufe0fx", 2),  # ❤️: the variation selector takes no column
    ("\u1100\u1161x", 3),  # Hangul jamo compose into one wide syllable
])
def test_the_cursor_lands_where_the_program_expects(text: str, columns: int) -> None:
    emu = AvtEmulator(3, WIDTH)
    emu.feed(text.encode())
    assert emu.cursor.col == columns
