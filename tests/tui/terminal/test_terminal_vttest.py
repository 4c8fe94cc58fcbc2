"""The vttest screen-feature gaps of the avt engine, worked around in the adapter.

Each sequence below is what vttest sends (its "Test of screen features" pages), cut
down; the expected screens are what tmux and xterm show.
"""

from __future__ import annotations

from avt._avt import Vt

from tabwise.tui.terminal import AvtEmulator


def rows(emu: AvtEmulator, *which: int) -> list[str]:
    return [emu.text(r) for r in which]


# vttest's soft/jump scroll-down page: origin mode, a 2-line region, RI twice per line.
REVERSE_INDEX = "\x1b[?6h\x1b[12;13r\x1b[2J\x1b[24BD1\r\n\x1bM\x1bMPush <RETURN>"


def test_reverse_index_in_origin_mode_moves_up_then_scrolls() -> None:
    raw = Vt(80, 24)
    raw.feed_str(REVERSE_INDEX)  # avt alone: RI below the top margin does not move
    assert [raw[r].text.rstrip() for r in (11, 12)] == ["D1", "Push <RETURN>"]
    emu = AvtEmulator(24, 80)
    emu.feed(REVERSE_INDEX.encode())
    assert rows(emu, 11, 12) == ["Push <RETURN>", "D1"]


def test_reverse_index_split_across_reads_and_outside_origin_mode() -> None:
    emu = AvtEmulator(24, 80)
    for byte in REVERSE_INDEX.encode():
        emu.feed(bytes([byte]))  # an ESC M split in two reaches the engine unfixed
    emu = AvtEmulator(6, 20)
    emu.feed(b"\x1b[2;3r\x1b[2;1HA\r\nB\r\x1bM\x1bMC")  # no origin mode: avt is right
    assert rows(emu, 1, 2) == ["C", "A"]


def test_decrc_restores_the_line_drawing_character_set() -> None:
    emu = AvtEmulator(4, 40)
    # vttest: graphics in G0, save, back to ASCII, restore, print.
    emu.feed(b"\x1b(0\x1b7\x1b(Bqq\x1b8qqq\x1b(B x")
    assert emu.text(0) == "─── x"
    emu = AvtEmulator(4, 40)
    emu.feed(b"\x1b7\x1b(0\x1b8q")  # saved ASCII: restoring it leaves line drawing off
    assert emu.text(0) == "q"


def test_deccolm_clears_and_homes_like_tmux() -> None:
    emu = AvtEmulator(4, 40)
    emu.feed(b"hello\x1b[2;3r\x1b[?3hX")
    assert rows(emu, 0, 1) == ["X", ""]
    assert (emu.cursor.row, emu.cursor.col, emu.cols) == (0, 1, 40)
    emu.feed(b"\x1b[?3lY")
    assert emu.text(0) == "Y"
