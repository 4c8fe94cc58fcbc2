"""Real pseudo-terminals running the user's shell."""

from ._cwd import CwdTracker, Osc7Scanner, foreground_cwd, parse_osc7
from ._integration import ShellIntegration
from ._log import OutputLog, OutputSlice
from ._process import PtyProcess

__all__ = ["CwdTracker", "Osc7Scanner", "OutputLog", "OutputSlice", "PtyProcess",
           "ShellIntegration", "foreground_cwd", "parse_osc7"]
