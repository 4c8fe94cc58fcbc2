"""Validating the ``[keys]`` table: key names in the form Textual reports them.

A key is ``[modifier+...]name``: modifiers ``alt``, ``ctrl``, ``shift``, ``meta``,
``super``, ``hyper`` (written in any order and case; stored sorted, as Textual names
keys: ``alt+ctrl+f1``); names are letters, digits, ``f1``-``f24``, the named keys
(``escape``, ``up``, ``pageup``, ...) and punctuation, as the character or its
Textual name (``"/"`` or ``"slash"``). Kept free of Textual so the core can check a
settings file without loading the TUI.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Mapping
from typing import Any

from ..errors import SettingsInvalid
from ._model import SHORTCUTS, KeysSettings

__all__ = ["KEY_FORMAT", "normalize_key", "parse_keys"]

MODIFIERS = frozenset({"alt", "ctrl", "shift", "meta", "super", "hyper"})
NAMED_KEYS = frozenset({
    "escape", "enter", "tab", "space", "backspace", "insert", "delete", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
    *(f"f{n}" for n in range(1, 25)),
})  # fmt: skip
# Textual's names for punctuation (its _character_to_key, without importing Textual).
_REPLACEMENTS = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                 "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"}


def _symbol_name(char: str) -> str:
    name = unicodedata.name(char).lower().replace("-", "_").replace(" ", "_")
    return _REPLACEMENTS.get(name, name)


_SYMBOLS = {_symbol_name(c): c for c in string.punctuation}
KEY_FORMAT = (
    'a key such as "f10", "alt+w" or "ctrl+f12" (modifiers alt, ctrl, shift, meta, '
    "super, hyper; then a letter, digit, f1-f24, escape, enter, tab, space, backspace, "
    "insert, delete, home, end, pageup, pagedown, up, down, left, right or a punctuation "
    'character), or "" to turn the shortcut off'
)


def normalize_key(value: str) -> str | None:
    """``value`` in Textual's spelling (``"Alt+W"`` → ``"alt+w"``), ``""`` for off, or
    ``None`` when it is not a key."""
    text = value.strip()
    if not text:
        return ""
    parts = text.split("+")
    # "ctrl++" and "+" name the plus key itself.
    mods, base = (parts[:-2], "+") if text.endswith("+") else (parts[:-1], parts[-1])
    mods = [m.lower() for m in mods]
    if any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods):
        return None
    if len(base) == 1 and base in string.punctuation:
        base = _symbol_name(base)
    else:
        base = base.lower()
        if not (base in NAMED_KEYS or base in _SYMBOLS
                or (len(base) == 1 and base in string.ascii_lowercase + string.digits)):
            return None
    return "+".join([*sorted(mods), base])


def parse_keys(data: Mapping[str, Any], where: str) -> KeysSettings:
    """Validate a ``[keys]`` table (``where`` names it, e.g. ``keys`` in FILE).

    Unlike other tables an unknown name is an error, not a warning: a misspelt
    shortcut would otherwise silently keep its old key.
    """
    defaults = KeysSettings()
    chosen: dict[str, str] = {}
    for name, value in data.items():
        if name not in SHORTCUTS:
            raise SettingsInvalid(
                f"Unknown shortcut `keys.{name}`{where}: the shortcuts are "
                f"{', '.join(SHORTCUTS)}.")
        key = normalize_key(value) if isinstance(value, str) else None
        if key is None:
            raise SettingsInvalid(
                f"Invalid value {value!r} for `keys.{name}`{where}: {KEY_FORMAT}.")
        chosen[name] = key
    keys = {name: chosen.get(name, defaults.key(name)) for name in SHORTCUTS}
    owners: dict[str, str] = {f"alt+{n}": f"go to tab {n} (Alt+{n})" for n in range(1, 10)}
    for name, key in keys.items():
        if key and key in owners:
            owner = owners[key] if owners[key].startswith("go to") else f"`keys.{owners[key]}`"
            raise SettingsInvalid(
                f"{owner} and `keys.{name}`{where} are both {key!r}; give "
                f"each shortcut its own key (or \"\" to turn one off).")
        owners[key] = name
    return KeysSettings(**keys)
