"""Both emulator adapters against the same expectations (pyte lacks an alt screen)."""

from __future__ import annotations

import pytest

from tabwise.tui.terminal import AvtEmulator, Emulator, Pen, PyteEmulator

ENGINES = [AvtEmulator, PyteEmulator]


@pytest.fixture(params=ENGINES, ids=["avt", "pyte"])
def emu(request: pytest.FixtureRequest) -> Emulator:
    return request.param(rows=5, cols=20, history=100)


def pens(emu: Emulator, row: int) -> dict[str, Pen]:
    return {text.strip(): pen for text, pen in emu.runs(row) if text.strip()}


def test_satisfies_the_protocol(emu: Emulator) -> None:
    assert isinstance(emu, Emulator)


def test_colours_and_attributes(emu: Emulator) -> None:
    emu.feed(b"\x1b[31mR\x1b[0m \x1b[38;5;200mP\x1b[0m \x1b[48;2;1;2;250mT\x1b[0m ")
    emu.feed(b"\x1b[1;4;7mB\x1b[0m \x1b[3;9mI\x1b[0m plain")
    got = pens(emu, 0)
    assert got["R"].fg == 1
    assert got["P"].fg == 200
    assert got["T"].bg == (1, 2, 250)
    assert got["B"].bold and got["B"].underline and got["B"].reverse
    assert got["I"].italic and got["I"].strike
    assert got["plain"] == Pen()
    assert emu.text(0) == "R P T B I plain"


def test_cursor_moves_and_hides(emu: Emulator) -> None:
    emu.feed(b"ab\r\ncd")
    assert (emu.cursor.row, emu.cursor.col, emu.cursor.visible) == (1, 2, True)
    emu.feed(b"\x1b[?25l\x1b[4;7H")
    assert (emu.cursor.row, emu.cursor.col, emu.cursor.visible) == (3, 6, False)


def test_wide_characters_take_two_cells(emu: Emulator) -> None:
    emu.feed("中文x".encode())
    assert emu.text(0) == "中文x"
    assert emu.cursor.col == 5


def test_utf8_split_across_reads(emu: Emulator) -> None:
    data = "é中".encode()
    for i in range(len(data)):
        emu.feed(data[i : i + 1])
    assert emu.text(0) == "é中"


def test_scrollback_keeps_lines_that_left_the_screen(emu: Emulator) -> None:
    emu.feed(b"".join(b"line %d\r\n" % i for i in range(12)))
    assert emu.history_size >= 7
    assert emu.text(-1) == "line 7"
    assert emu.text(0) == "line 8"
    assert emu.runs(-10_000) == []


def test_resize_changes_size_and_dirties_everything(emu: Emulator) -> None:
    emu.feed(b"hello")
    emu.take_dirty()
    emu.resize(8, 30)
    assert (emu.rows, emu.cols) == (8, 30)
    assert emu.take_dirty() is None
    assert "hello" in "".join(emu.text(r) for r in range(-emu.history_size, emu.rows))


def test_resize_is_clamped_so_wide_characters_cannot_break_it(emu: Emulator) -> None:
    emu.feed("中".encode())
    emu.resize(1, 1)  # avt panics on a 1-column screen with a wide character
    assert (emu.rows, emu.cols) == (2, 4)


def test_dirty_rows_are_reported_once(emu: Emulator) -> None:
    emu.take_dirty()
    emu.feed(b"\x1b[3;1Hx")
    dirty = emu.take_dirty()
    assert dirty is not None and 2 in dirty
    assert emu.take_dirty() == set()


def test_modes_title_and_queries(emu: Emulator) -> None:
    emu.feed(b"\x1b]0;my ti")
    emu.feed(b"tle\x07\x1b[?1h\x1b[?2004h\x1b[?1000;1006h")
    assert emu.title == "my title"
    assert emu.app_cursor_keys and emu.bracketed_paste
    assert emu.mouse_tracking and emu.mouse_sgr
    emu.feed(b"\x1b[2;3H\x1b[6n\x1b[5;5H\x1b[c")
    assert emu.take_replies() == b"\x1b[2;3R\x1b[?62;22c"
    emu.feed(b"\x1b[?1l\x1b[?2004l")
    assert not emu.app_cursor_keys and not emu.bracketed_paste


def test_alternate_screen_flag(emu: Emulator) -> None:
    emu.feed(b"\x1b[?1049h")
    assert emu.in_alt_screen
    emu.feed(b"\x1b[?1049l")
    assert not emu.in_alt_screen


def test_avt_alternate_screen_restores_the_shell_screen() -> None:
    emu = AvtEmulator(rows=5, cols=20)
    emu.feed(b"$ ls\r\nfile\r\n$ ")
    emu.feed(b"\x1b[?1049h\x1b[H\x1b[2Jfull screen")
    assert emu.text(0) == "full screen"
    assert emu.history_size == 0
    emu.feed(b"\x1b[?1049l")
    assert [emu.text(r) for r in range(3)] == ["$ ls", "file", "$"]


@pytest.mark.parametrize("history", [10000, 7, 0])
def test_scrollback_keeps_exactly_the_lines_asked_for(history: int) -> None:
    emu = AvtEmulator(24, 80, history=history)
    emu.feed(b"".join(b"%d\r\n" % i for i in range(30000)))
    assert emu.history_size == history
    if history:
        # The screen shows 29977..29999 and the cursor row; the history ends just above.
        assert emu.text(-1) == "29976"
        assert emu.text(-history) == str(29977 - history)
        assert emu.runs(-history - 1) == []
