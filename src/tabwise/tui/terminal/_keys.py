"""Translate Textual key events into the bytes an xterm would send, and decide which
keys the app keeps.

The terminal gets everything a shell needs (Ctrl+letters, Tab, Escape, Alt as an ESC
prefix, function keys with xterm modifier parameters). :class:`KeyRouting` says which
keys are the app's instead (DESIGN §8): at the shell, its shortcuts (``[keys]``: F1,
F2, F3, F10, Alt+T, Alt+W, Alt+Left/Right by default, plus Alt+1..9); while a
full-screen program runs, only the escape chord, so htop's F10 and mc's F1-F3 reach
them. :func:`encode_key` returns ``None`` for keys with no terminal meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from tabwise.settings import SHORTCUTS, KeysSettings

__all__ = ["RESERVED_KEYS", "KeyRouting", "encode_key", "key_label"]

_TAB_DIGITS = frozenset(f"alt+{n}" for n in range(1, 10))


def key_label(key: str) -> str:
    """``"alt+w"`` as a person writes it: ``Alt+W``; ``""`` reads as ``(off)``."""
    if not key:
        return "(off)"
    return "+".join(part.upper() if len(part) == 1 or (part[0] == "f" and part[1:].isdigit())
                    else part.capitalize() for part in key.split("+"))


@dataclass(frozen=True, slots=True)
class KeyRouting:
    """Which keys bubble to the app's bindings while the terminal has focus, and the
    key that closes the tab (``""`` when ``[keys] close_tab`` turns it off), which the
    banner of an exited shell names."""

    app_keys: frozenset[str]
    escape_chord: str
    close_tab: str = "alt+w"

    @classmethod
    def from_settings(cls, keys: KeysSettings) -> KeyRouting:
        chosen = {keys.key(name) for name in SHORTCUTS} - {""}
        return cls(frozenset(chosen | _TAB_DIGITS), keys.escape_chord, keys.close_tab)

    def is_app_key(self, key: str, *, full_screen: bool) -> bool:
        """Whether ``key`` belongs to the app: with a full-screen program (alternate
        screen) running only the escape chord does; at the shell every shortcut does."""
        if full_screen:
            return bool(self.escape_chord) and key == self.escape_chord
        return key in self.app_keys


DEFAULT_ROUTING = KeyRouting.from_settings(KeysSettings())
RESERVED_KEYS: frozenset[str] = DEFAULT_ROUTING.app_keys
"""The keys the app keeps at the shell prompt with the default ``[keys]``."""

# Keys whose xterm form is CSI <n> ~ (with modifiers: CSI <n> ; <mod> ~).
_TILDE = {
    "insert": 2, "delete": 3, "pageup": 5, "pagedown": 6,
    "f5": 15, "f6": 17, "f7": 18, "f8": 19, "f9": 20, "f10": 21, "f11": 23, "f12": 24,
}  # fmt: skip
# Keys whose xterm form is CSI <c> (normal) or SS3 <c> (application cursor mode / F1-F4).
_LETTER = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}
_SS3 = {"f1": "P", "f2": "Q", "f3": "R", "f4": "S"}
_PLAIN = {"enter": "\r", "tab": "\t", "escape": "\x1b", "backspace": "\x7f", "space": " "}
_CTRL_SYMBOLS = {
    "@": "\x00", "space": "\x00", "at": "\x00", "left_square_bracket": "\x1b",
    "backslash": "\x1c", "right_square_bracket": "\x1d", "circumflex_accent": "\x1e",
    "underscore": "\x1f", "minus": "\x1f", "slash": "\x1f", "question_mark": "\x7f",
}  # fmt: skip
_MODIFIER_BITS = {"shift": 1, "alt": 2, "ctrl": 4, "meta": 8}


def encode_key(key: str, character: str | None, *, app_cursor: bool = False) -> bytes | None:
    """The bytes to send for Textual key ``key`` (e.g. ``"ctrl+c"``), or ``None``.

    ``character`` is the event's printable character if any; ``app_cursor`` is
    DECCKM (application cursor keys), which vi-like programs switch on.
    """
    *modifiers, base = key.split("+")
    text = _encode(base, set(modifiers), character, app_cursor)
    return None if text is None else text.encode("utf-8", "surrogateescape")


def _encode(base: str, modifiers: set[str], character: str | None, app_cursor: bool) -> str | None:
    ctrl, alt = "ctrl" in modifiers, "alt" in modifiers
    prefix = "\x1b" if alt else ""
    if base in _LETTER or base in _TILDE or base in _SS3:
        return _special(base, modifiers, app_cursor)
    if base == "tab" and "shift" in modifiers:
        return prefix + "\x1b[Z"
    if base == "backspace" and ctrl:
        return prefix + "\x08"
    if base in _PLAIN and not ctrl:
        return prefix + _PLAIN[base]
    if ctrl:
        if len(base) == 1 and base.isascii() and base.isalpha():
            return prefix + chr(ord(base.lower()) - 96)
        if base in _CTRL_SYMBOLS:
            return prefix + _CTRL_SYMBOLS[base]
        if base in _PLAIN:  # Ctrl+Enter, Ctrl+Tab: nothing better to send
            return prefix + _PLAIN[base]
        return None
    if character and character.isprintable():
        return prefix + character
    if alt and len(base) == 1:
        return prefix + (base.upper() if "shift" in modifiers else base)
    return None


def _special(base: str, modifiers: set[str], app_cursor: bool) -> str:
    code = 1 + sum(_MODIFIER_BITS.get(m, 0) for m in modifiers)
    if base in _TILDE:
        return f"\x1b[{_TILDE[base]};{code}~" if code > 1 else f"\x1b[{_TILDE[base]}~"
    final = _LETTER.get(base) or _SS3[base]
    if code > 1:
        return f"\x1b[1;{code}{final}"
    if base in _SS3 or app_cursor:
        return f"\x1bO{final}"
    return f"\x1b[{final}"
