"""Real pseudo-terminals running the user's shell."""

from ._log import OutputLog, OutputSlice
from ._process import PtyProcess
from ._snapshot import RenderedScreen, render_screen, restored_preamble

__all__ = ["OutputLog", "OutputSlice", "PtyProcess", "RenderedScreen", "render_screen",
           "restored_preamble"]
