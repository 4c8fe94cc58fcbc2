"""Real pseudo-terminals running the user's shell."""

from ._cwd import CwdTracker, Osc7Scanner, foreground_cwd, parse_osc7
from ._integration import ShellIntegration
from ._log import OutputLog, OutputSlice
from ._process import PtyProcess
from ._snapshot import RenderedScreen, render_screen, restored_preamble
from ._stream import PtyChunk, PtyStream, PtyStreamOverflow

__all__ = ["CwdTracker", "Osc7Scanner", "OutputLog", "OutputSlice", "PtyChunk", "PtyProcess",
           "PtyStream", "PtyStreamOverflow",
           "RenderedScreen", "ShellIntegration", "foreground_cwd", "parse_osc7",
           "render_screen", "restored_preamble"]
