"""OSC 7 scanning and parsing (the tab follows the shell's directory)."""

from __future__ import annotations

import socket

import pytest

from tabwise.pty import Osc7Scanner, parse_osc7


def test_finds_sequences_split_anywhere() -> None:
    stream = (b"prompt\x1b]7;file://localhost/tmp/a%20b\x07more"
              b"\x1b]7;file:///srv/x\x1b\\$ ")
    for cut in range(len(stream) + 1):
        scanner = Osc7Scanner()
        got = scanner.feed(stream[:cut]) + scanner.feed(stream[cut:])
        assert got == [b"file://localhost/tmp/a%20b", b"file:///srv/x"], cut


def test_byte_by_byte() -> None:
    scanner = Osc7Scanner()
    got: list[bytes] = []
    for b in b"x\x1b]7;file:///a\x07\x1b]0;title\x07\x1b]7;file:///b\x1b\\":
        got += scanner.feed(bytes([b]))
    assert got == [b"file:///a", b"file:///b"]


def test_other_escapes_and_an_endless_osc_are_not_buffered_forever() -> None:
    scanner = Osc7Scanner()
    assert scanner.feed(b"\x1b[1m\x1b]0;t\x07plain") == []
    assert scanner.feed(b"\x1b]7;" + b"a" * 10000) == []
    assert scanner.feed(b"\x07\x1b]7;file:///ok\x07") == [b"file:///ok"]


@pytest.mark.parametrize(("payload", "path"), [
    (b"file:///tmp/sub", "/tmp/sub"),
    (b"file://localhost/tmp/a%20b%25", "/tmp/a b%"),
    (b"file:///tmp/%C3%A9t%C3%A9", "/tmp/été"),
    (b"file:///tmp/x/../y/", "/tmp/y"),
    (f"file://{socket.gethostname()}/home".encode(), "/home"),
    (b"file://elsewhere.example/tmp", None),
    (b"http://localhost/tmp", None),
    (b"file://localhost", None),
    (b"file:///a%00b", None),
])
def test_parse(payload: bytes, path: str | None) -> None:
    assert parse_osc7(payload) == path


def test_many_stray_brackets_and_escapes() -> None:
    noise = b'{"a": [1, [2]], "b": []}\x1b[0m\x1b]0;t\x07' * 50
    stream = noise + b"\x1b]7;file:///x\x07" + noise + b"\x1b]7;file:///y\x1b\\" + noise
    for cut in (0, 1, len(noise) + 3, len(stream) - len(noise) - 2, len(stream)):
        scanner = Osc7Scanner()
        assert scanner.feed(stream[:cut]) + scanner.feed(stream[cut:]) == [
            b"file:///x", b"file:///y"], cut
