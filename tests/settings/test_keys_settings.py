"""The ``[keys]`` table: remapping, turning off, and clear errors for bad names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tabwise.errors import SettingsInvalid
from tabwise.settings import KeysSettings, load_settings, parse_settings


def test_defaults_are_designs_keys_plus_the_escape_chord() -> None:
    keys = parse_settings({}).keys
    assert keys == KeysSettings()
    assert (keys.model_picker, keys.palette, keys.focus, keys.new_tab, keys.close_tab,
            keys.quit, keys.escape_chord) == (
        "f2", "f1", "f3", "alt+t", "alt+w", "f10", "ctrl+f12")


def test_remap_normalises_and_empty_turns_off(tmp_path: Path) -> None:
    path = tmp_path / "settings.toml"
    path.write_text('[keys]\nquit = "Ctrl+Q"\nnew_tab = ""\nescape_chord = "shift+ctrl+F11"\n')
    keys = load_settings(path).keys
    assert (keys.quit, keys.new_tab, keys.escape_chord) == ("ctrl+q", "", "ctrl+shift+f11")
    assert load_settings(path).redacted()["keys"]["quit"] == "ctrl+q"


@pytest.mark.parametrize(("table", "names"), [
    ({"qiut": "f10"}, ["`keys.qiut`", "model_picker", "escape_chord"]),
    ({"quit": "f99"}, ["'f99'", "`keys.quit`", "f1-f24", '""']),
    ({"quit": "hyperspace+x"}, ["`keys.quit`"]),
    ({"quit": 10}, ["`keys.quit`"]),
    ({"quit": "f2"}, ["`keys.model_picker`", "`keys.quit`", "'f2'"]),
    ({"new_tab": "alt+3"}, ["tab 3", "`keys.new_tab`"]),
])
def test_bad_keys_are_errors_naming_the_key_and_what_is_allowed(
        tmp_path: Path, table: dict[str, object], names: list[str]) -> None:
    with pytest.raises(SettingsInvalid) as err:
        parse_settings({"keys": table}, tmp_path / "settings.toml")
    message = str(err.value)
    assert str(tmp_path / "settings.toml") in message
    for name in names:
        assert name in message
