"""Mouse reports for programs that ask for the mouse (xterm's mouse tracking modes).

A program turns on mode 1000 (presses and releases), 1002 (also motion while a
button is held) or 1003 (all motion), and may ask for SGR encoding (1006):
``CSI < b ; x ; y M`` for a press or motion, ``... m`` for a release. Without 1006
the legacy X10 encoding is used: ``CSI M`` and three bytes ``32 + b``, ``32 + x``,
``32 + y``, where a release is button 3 and coordinates past 223 cannot be sent.
"""

from __future__ import annotations

import enum

__all__ = ["MouseAction", "encode_mouse", "encode_wheel"]

_BUTTONS = {1: 0, 2: 1, 3: 2}  # Textual's left/middle/right → xterm's 0/1/2
_WHEEL = {"up": 64, "down": 65}
_MOTION = 32
_LEGACY_MAX = 255 - 32


class MouseAction(enum.Enum):
    PRESS = "press"
    RELEASE = "release"
    MOTION = "motion"


def encode_mouse(action: MouseAction, button: int, col: int, row: int, *, mode: int,
                 sgr: bool, shift: bool = False, alt: bool = False,
                 ctrl: bool = False) -> bytes | None:
    """The report for a mouse event at 0-based ``col``/``row``, or ``None`` when the
    program's ``mode`` (1000, 1002, 1003; 0 = off) does not want it.

    ``button`` is Textual's (1 left, 2 middle, 3 right, 0 none; for wheel use
    :func:`encode_wheel`).
    """
    motion = action is MouseAction.MOTION
    if mode == 0 or (motion and (mode == 1000 or (mode == 1002 and button == 0))):
        return None
    code = _BUTTONS.get(button, 3)  # 3: no button (motion) / legacy release
    if action is MouseAction.MOTION:
        code += _MOTION
    code += (4 if shift else 0) + (8 if alt else 0) + (16 if ctrl else 0)
    return _report(code, col, row, sgr=sgr, release=action is MouseAction.RELEASE)


def encode_wheel(up: bool, col: int, row: int, *, sgr: bool) -> bytes | None:
    """The report for one wheel step (buttons 64/65), for any tracking mode."""
    return _report(_WHEEL["up" if up else "down"], col, row, sgr=sgr, release=False)


def _report(code: int, col: int, row: int, *, sgr: bool, release: bool) -> bytes | None:
    x, y = col + 1, row + 1
    if sgr:
        return f"\x1b[<{code};{x};{y}{'m' if release else 'M'}".encode()
    if release:
        code = (code & ~3) | 3  # X10 cannot say which button was released
    if x > _LEGACY_MAX or y > _LEGACY_MAX:
        return None
    return b"\x1b[M" + bytes([32 + code, 32 + x, 32 + y])
