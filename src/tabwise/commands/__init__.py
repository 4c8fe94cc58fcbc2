"""The command layer: the API shared by the TUI and the JSON-RPC server (DESIGN §4)."""

from ._core import Tabwise
from ._registry import COMMANDS, call_command, check_params

__all__ = ["COMMANDS", "Tabwise", "call_command", "check_params"]
