"""Textual key names to the bytes an xterm sends."""

from __future__ import annotations

import pytest

from tabwise.settings import KeysSettings
from tabwise.tui.terminal import DEFAULT_ROUTING, RESERVED_KEYS, KeyRouting, encode_key


@pytest.mark.parametrize(
    ("key", "character", "expected"),
    [
        ("a", "a", b"a"),
        ("A", "A", b"A"),
        ("full_stop", ".", b"."),
        ("space", " ", b" "),
        ("eacute", "é", "é".encode()),
        ("enter", "\r", b"\r"),
        ("backspace", "\x7f", b"\x7f"),
        ("ctrl+backspace", None, b"\x08"),
        ("tab", "\t", b"\t"),
        ("shift+tab", None, b"\x1b[Z"),
        ("escape", "\x1b", b"\x1b"),
        ("up", None, b"\x1b[A"),
        ("down", None, b"\x1b[B"),
        ("right", None, b"\x1b[C"),
        ("left", None, b"\x1b[D"),
        ("home", None, b"\x1b[H"),
        ("end", None, b"\x1b[F"),
        ("pageup", None, b"\x1b[5~"),
        ("pagedown", None, b"\x1b[6~"),
        ("insert", None, b"\x1b[2~"),
        ("delete", None, b"\x1b[3~"),
        ("ctrl+up", None, b"\x1b[1;5A"),
        ("shift+right", None, b"\x1b[1;2C"),
        ("alt+up", None, b"\x1b[1;3A"),
        ("ctrl+delete", None, b"\x1b[3;5~"),
        ("f4", None, b"\x1bOS"),
        ("f5", None, b"\x1b[15~"),
        ("f12", None, b"\x1b[24~"),
        ("shift+f4", None, b"\x1b[1;2S"),
        ("ctrl+a", None, b"\x01"),
        ("ctrl+c", None, b"\x03"),
        ("ctrl+d", None, b"\x04"),
        ("ctrl+p", None, b"\x10"),
        ("ctrl+r", None, b"\x12"),
        ("ctrl+w", None, b"\x17"),
        ("ctrl+z", None, b"\x1a"),
        ("ctrl+@", None, b"\x00"),
        ("ctrl+backslash", None, b"\x1c"),
        ("alt+b", "b", b"\x1bb"),
        ("alt+shift+b", "B", b"\x1bB"),
        ("alt+full_stop", ".", b"\x1b."),
        ("alt+backspace", None, b"\x1b\x7f"),
        ("ctrl+alt+f", None, b"\x1b\x06"),
    ],
)
def test_encodes_like_xterm(key: str, character: str | None, expected: bytes) -> None:
    assert encode_key(key, character) == expected


def test_application_cursor_mode_uses_ss3() -> None:
    assert encode_key("up", None, app_cursor=True) == b"\x1bOA"
    assert encode_key("home", None, app_cursor=True) == b"\x1bOH"
    assert encode_key("ctrl+up", None, app_cursor=True) == b"\x1b[1;5A"


@pytest.mark.parametrize(
    "key",
    ["f1", "f2", "f3", "f10", "alt+t", "alt+w", "alt+1", "alt+9", "alt+left", "alt+right"],
)
def test_app_shortcuts_are_left_to_the_app_at_the_shell(key: str) -> None:
    assert key in RESERVED_KEYS
    assert DEFAULT_ROUTING.is_app_key(key, full_screen=False)


@pytest.mark.parametrize("key", ["f1", "f2", "f3", "f10", "alt+t", "alt+w", "alt+1"])
def test_full_screen_programs_get_the_app_shortcuts(key: str) -> None:
    assert not DEFAULT_ROUTING.is_app_key(key, full_screen=True)
    assert encode_key(key, None) is not None  # and they have bytes to send


def test_only_the_escape_chord_is_kept_from_full_screen_programs() -> None:
    assert DEFAULT_ROUTING.escape_chord == "ctrl+f12"
    assert DEFAULT_ROUTING.is_app_key("ctrl+f12", full_screen=True)
    assert DEFAULT_ROUTING.is_app_key("ctrl+f12", full_screen=False)


def test_routing_follows_the_keys_settings() -> None:
    routing = KeyRouting.from_settings(KeysSettings(quit="ctrl+q", new_tab="", escape_chord=""))
    assert routing.is_app_key("ctrl+q", full_screen=False)
    assert not routing.is_app_key("f10", full_screen=False)  # remapped: the shell gets F10
    assert not routing.is_app_key("alt+t", full_screen=False)  # off: readline gets Alt+T
    assert not routing.is_app_key("", full_screen=True)


def test_keys_without_terminal_meaning_bubble() -> None:
    assert encode_key("f20", None) is None
    assert encode_key("ctrl+f13", None) is None
