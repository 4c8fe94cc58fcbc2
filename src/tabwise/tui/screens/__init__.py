"""Screens of the TUI: the main screen and its dialogs."""

from ._keys import KeysScreen
from ._main import MainScreen
from ._mcp_servers import McpServersScreen
from ._model_picker import ModelPicker
from ._palette import TabwiseCommands
from ._rename import RenameScreen
from ._sessions import SessionsBrowser

__all__ = [
    "KeysScreen",
    "MainScreen",
    "McpServersScreen",
    "ModelPicker",
    "RenameScreen",
    "SessionsBrowser",
    "TabwiseCommands",
]
