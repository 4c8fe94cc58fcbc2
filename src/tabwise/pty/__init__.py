"""Real pseudo-terminals running the user's shell."""

from ._log import OutputLog, OutputSlice
from ._process import PtyProcess

__all__ = ["OutputLog", "OutputSlice", "PtyProcess"]
