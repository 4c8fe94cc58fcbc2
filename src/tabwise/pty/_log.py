"""The recent output of a PTY, addressable by byte offset (for ``pty_read``)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["OutputLog", "OutputSlice"]


@dataclass(frozen=True, slots=True)
class OutputSlice:
    data: bytes
    offset: int  # where ``data`` starts in the whole output
    next_offset: int  # pass this as ``offset`` to continue
    dropped: int  # bytes between the requested offset and ``offset`` that were discarded


class OutputLog:
    """Keeps the last ``capacity`` bytes of output and counts all bytes ever written."""

    def __init__(self, capacity: int = 256 * 1024) -> None:
        self._buf = bytearray()
        self._cap = capacity
        self.total = 0

    def append(self, data: bytes) -> None:
        self._buf += data
        self.total += len(data)
        excess = len(self._buf) - self._cap
        if excess > 0:
            del self._buf[:excess]

    def read(self, offset: int, max_bytes: int) -> OutputSlice:
        start = self.total - len(self._buf)
        begin = max(offset, start)
        begin = min(begin, self.total)
        chunk = bytes(self._buf[begin - start : begin - start + max_bytes])
        return OutputSlice(chunk, begin, begin + len(chunk), max(0, begin - offset))
