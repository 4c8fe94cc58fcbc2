"""The terminal pane's engine: emulator adapters, the screen model, key translation.

``TerminalModel`` ties a :class:`~tabwise.pty.PtyProcess` to an :class:`Emulator`
(``AvtEmulator`` by default, ``PyteEmulator`` as the pure-Python alternative) and feeds
it in frame-sized slices; the ``TerminalView`` widget draws it with a ``StripPainter``
and turns key presses into bytes with :func:`encode_key`.
"""

from ._avt import DEFAULT_HISTORY, AvtEmulator
from ._clock import FrameClock
from ._emulator import DEFAULT_PEN, Color, Cursor, Emulator, Pen, Run
from ._keys import DEFAULT_ROUTING, RESERVED_KEYS, KeyRouting, encode_key, key_label
from ._model import ModelUpdate, TerminalModel
from ._modes import ControlScanner, Query
from ._pyte import PyteEmulator
from ._style import StripPainter

__all__ = [
    "DEFAULT_HISTORY",
    "DEFAULT_PEN",
    "DEFAULT_ROUTING",
    "RESERVED_KEYS",
    "AvtEmulator",
    "Color",
    "ControlScanner",
    "Cursor",
    "Emulator",
    "FrameClock",
    "KeyRouting",
    "ModelUpdate",
    "Pen",
    "PyteEmulator",
    "Query",
    "Run",
    "StripPainter",
    "TerminalModel",
    "encode_key",
    "key_label",
]
