"""Watch a PTY byte stream for titles, private modes and device queries.

Emulator engines differ in what they expose: avt ignores window titles, bracketed paste
and mouse modes and never answers queries; pyte has no alternate screen. Rather than
live with each gap, :class:`ControlScanner` reads the same stream with one compiled
regular expression (hundreds of MB/s, so it costs little next to the engine) and keeps
the state the widget needs. Sequences split across reads are carried over in a small
tail, so a title or mode change arriving in two chunks is still seen once.

It also marks where the engine needs help (vttest's screen features, against avt
0.17): :class:`Feed` after a DECRC whose saved character sets avt does not restore,
and after DECCOLM, which avt ignores (the screen cannot become 132 columns, but like
tmux it is cleared and the cursor homed); :attr:`Fixup.REVERSE_INDEX` for ESC M in
origin mode, which avt does not move up unless the cursor is on the top margin.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

__all__ = ["ControlScanner", "Feed", "Fixup", "Query"]

_ALT_SCREEN_MODES = frozenset({47, 1047, 1049})
_MAX_TITLE = 256
_MAX_OSC_TAIL = 4096  # an unterminated OSC longer than this is not a title we want
_MAX_CSI_TAIL = 32

_SEQUENCE = re.compile(
    rb"\x1b(?:"
    rb"\[(?:\?(?P<modes>[0-9;]*)(?P<set>[hl])"  # DECSET / DECRST
    rb"|(?P<da>>?)0?c"  # device attributes, primary or secondary
    rb"|(?P<dsr>[56])n"  # device status report
    rb"|(?P<decstr>!p)"  # soft reset
    rb"|(?P<stbm>[0-9;]*)r)"  # scroll margins
    rb"|\](?P<osc>[0-9]*)(?:;(?P<osc_text>[^\x07\x1b]*))?(?:\x07|\x1b\\)"
    rb"|(?P<scs>[()])(?P<charset>[0AB])"  # designate G0 / G1
    rb"|(?P<esc>[78Mc]))"  # DECSC, DECRC, reverse index, full reset
)
_COLUMN_MODE = 3


class Query(enum.Enum):
    """A question a program asked the terminal; the emulator owes an answer."""

    CURSOR_POSITION = "cpr"
    STATUS = "status"
    PRIMARY_ATTRIBUTES = "da1"
    SECONDARY_ATTRIBUTES = "da2"


class Fixup(enum.Enum):
    """A sequence the emulator must replace with what the engine gets right."""

    REVERSE_INDEX = "ri"  # ESC M (2 bytes) in origin mode


@dataclass(frozen=True, slots=True)
class Feed:
    """Bytes to feed the engine right after the sequence that ends at this offset."""

    data: bytes


Action = Query | Fixup | Feed
_DECCOLM_FEED = Feed(b"\x1b[r\x1b[H\x1b[2J")  # full margins, home, clear


class ControlScanner:
    """Title, DEC private modes and pending queries seen in a byte stream."""

    def __init__(self) -> None:
        self.title = ""
        self.alt_screen = False
        self.top_margin = 0  # the scroll region's first row (0-based)
        self._modes: set[int] = {25}  # the cursor starts visible
        self._tail = b""
        self._charsets = [b"B", b"B"]  # G0, G1 as designated
        self._saved_charsets = [b"B", b"B"]

    def is_set(self, mode: int) -> bool:
        """Whether DEC private mode ``mode`` (e.g. 1 = DECCKM, 2004) is on."""
        return mode in self._modes

    def scan(self, data: bytes) -> list[tuple[int, Action]]:
        """Update state from ``data``; return ``(end offset in data, action)`` pairs:
        queries to answer and fixes to apply there."""
        tail = self._tail
        buf = tail + data if tail else data
        shift = len(tail)
        queries: list[tuple[int, Action]] = []
        last_end = 0
        for match in _SEQUENCE.finditer(buf):
            last_end = match.end()
            query = self._apply(match)
            if query is not None:
                queries.append((max(0, last_end - shift), query))
        self._tail = _unfinished(buf, last_end)
        return queries

    def _apply(self, match: re.Match[bytes]) -> Action | None:
        groups = match.groupdict()
        if groups["set"] is not None:
            on = groups["set"] == b"h"
            column_mode = False
            for part in groups["modes"].split(b";"):
                if part.isdigit():
                    self._set_mode(int(part), on)
                    column_mode = column_mode or int(part) == _COLUMN_MODE
            if column_mode:
                self.top_margin = 0
                return _DECCOLM_FEED
            return None
        if (esc := groups["esc"]) is not None:
            return self._escape(esc)
        if groups["scs"] is not None:
            self._charsets[0 if groups["scs"] == b"(" else 1] = groups["charset"]
            return None
        if (stbm := groups["stbm"]) is not None:
            top = stbm.split(b";")[0]
            self.top_margin = max(0, int(top) - 1) if top.isdigit() else 0
            return None
        if groups["osc"] is not None:
            if groups["osc"] in (b"0", b"2") and groups["osc_text"] is not None:
                self.title = groups["osc_text"][:_MAX_TITLE].decode("utf-8", "replace")
            return None
        if groups["da"] is not None:
            return Query.SECONDARY_ATTRIBUTES if groups["da"] else Query.PRIMARY_ATTRIBUTES
        if groups["dsr"] is not None:
            return Query.CURSOR_POSITION if groups["dsr"] == b"6" else Query.STATUS
        if groups["decstr"] is not None:
            # A soft reset restores cursor keys and visibility but keeps the screen.
            self._modes.discard(1)
            self._modes.add(25)
        return None

    def _escape(self, final: bytes) -> Action | None:
        if final == b"7":  # DECSC: avt saves the cursor but not the character sets
            self._saved_charsets = list(self._charsets)
        elif final == b"8":  # DECRC
            if self._saved_charsets != self._charsets:
                self._charsets = list(self._saved_charsets)
                g0, g1 = self._charsets
                return Feed(b"\x1b(" + g0 + b"\x1b)" + g1)
        elif final == b"M":
            return Fixup.REVERSE_INDEX if self.is_set(6) else None
        else:  # ESC c, full reset
            self._modes = {25}
            self.alt_screen = False
            self.title = ""
            self.top_margin = 0
            self._charsets = [b"B", b"B"]
            self._saved_charsets = [b"B", b"B"]
        return None

    def _set_mode(self, mode: int, on: bool) -> None:
        if on:
            self._modes.add(mode)
        else:
            self._modes.discard(mode)
        if mode in _ALT_SCREEN_MODES:
            self.alt_screen = on


def _unfinished(buf: bytes, after: int) -> bytes:
    """The start of a sequence at the end of ``buf`` that may complete in the next read."""
    osc = buf.rfind(b"\x1b]", after)
    if osc >= 0 and len(buf) - osc <= _MAX_OSC_TAIL:
        return buf[osc:]
    esc = buf.rfind(b"\x1b", after)
    if esc >= 0 and len(buf) - esc <= _MAX_CSI_TAIL:
        return buf[esc:]
    return b""
