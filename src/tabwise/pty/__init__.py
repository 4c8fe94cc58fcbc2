"""Real pseudo-terminals running the user's shell."""

from ._process import PtyProcess

__all__ = ["PtyProcess"]
