"""The control-sequence scanner that tracks titles, modes and queries."""

from __future__ import annotations

from tabwise.tui.terminal import ControlScanner, Query


def test_titles_with_bel_or_st_and_split_reads() -> None:
    scanner = ControlScanner()
    scanner.scan(b"out\x1b]2;first\x1b\\more")
    assert scanner.title == "first"
    for byte in b"\x1b]0;second\x07":
        scanner.scan(bytes([byte]))
    assert scanner.title == "second"
    scanner.scan(b"\x1b]1;icon only\x07")  # the icon name is not the title
    assert scanner.title == "second"


def test_private_modes_several_at_once() -> None:
    scanner = ControlScanner()
    scanner.scan(b"\x1b[?1;2004;1049h")
    assert scanner.is_set(1) and scanner.is_set(2004) and scanner.alt_screen
    scanner.scan(b"\x1b[?1049l")
    assert not scanner.alt_screen and scanner.is_set(2004)


def test_reset_clears_modes_and_title() -> None:
    scanner = ControlScanner()
    scanner.scan(b"\x1b]0;t\x07\x1b[?2004h\x1b[?47h")
    scanner.scan(b"\x1bc")
    assert (scanner.title, scanner.is_set(2004), scanner.alt_screen) == ("", False, False)
    assert scanner.is_set(25)


def test_queries_report_their_end_offset_in_this_read() -> None:
    scanner = ControlScanner()
    assert scanner.scan(b"ab\x1b[6ncd\x1b[>c\x1b[0c\x1b[5n") == [
        (6, Query.CURSOR_POSITION),
        (12, Query.SECONDARY_ATTRIBUTES),
        (16, Query.PRIMARY_ATTRIBUTES),
        (20, Query.STATUS),
    ]
    assert scanner.scan(b"x\x1b[") == []
    assert scanner.scan(b"6n") == [(2, Query.CURSOR_POSITION)]


def test_colour_sequences_are_not_queries() -> None:
    scanner = ControlScanner()
    assert scanner.scan(b"\x1b[31mred\x1b[0m \x1b[1;32mc\x1b[0m") == []
