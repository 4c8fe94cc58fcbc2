"""Screens of the TUI: the main screen and its dialogs."""

from ._keys import KeysScreen
from ._main import MainScreen
from ._model_picker import ModelPicker
from ._palette import TabwiseCommands
from ._rename import RenameScreen
from ._sessions import SessionsBrowser

__all__ = [
    "KeysScreen",
    "MainScreen",
    "ModelPicker",
    "RenameScreen",
    "SessionsBrowser",
    "TabwiseCommands",
]
