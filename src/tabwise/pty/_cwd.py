"""Which directory a tab's shell is in (DESIGN §4: the tab's directory follows ``cd``).

Two sources, best first:

1. **OSC 7** (``ESC ] 7 ; file://host/path BEL`` or ``… ESC \\``), which the shell
   integration (:mod:`._integration`) makes bash, zsh and fish print before each prompt.
   It is exact, and it is the shell's own word for where it is.
2. **The foreground process's cwd** (``/proc/<pgid>/cwd`` of the PTY's foreground
   process group), read when the output goes quiet, for shells that print no OSC 7
   (``sh``, ``dash``, a shell whose rc file broke ours). Once a PTY has printed an OSC 7
   it is trusted alone: a program's own cwd (``make -C``) is not the shell's.

A remote shell (``ssh``) may print OSC 7 with its own host name; such paths name
another machine's directories and are ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable
from urllib.parse import unquote_to_bytes, urlsplit

__all__ = ["CwdTracker", "Osc7Scanner", "foreground_cwd", "parse_osc7"]

_START = b"\x1b]7;"
# An OSC 7 longer than this is not a path a shell printed; drop it rather than buffer.
_MAX_OSC = 4096
# Output quiet this long means a prompt is probably showing: read the fallback cwd then.
_QUIET_SECONDS = 0.15


def _local_hosts() -> frozenset[str]:
    names = {"", "localhost"}
    with contextlib.suppress(OSError):
        host = socket.gethostname()
        names |= {host.lower(), host.split(".")[0].lower()}
    return frozenset(names)


_LOCAL_HOSTS = _local_hosts()


def parse_osc7(payload: bytes) -> str | None:
    """The local path in an OSC 7 payload (``file://host/path``, percent-encoded), or
    None when it is malformed or names another host."""
    try:
        text = payload.decode("utf-8", "surrogateescape")
        url = urlsplit(text)
    except ValueError:
        return None
    if url.scheme not in ("file", "kitty-shell-cwd") or not url.path.startswith("/"):
        return None
    if (url.hostname or "").lower() not in _LOCAL_HOSTS:
        return None
    path = os.fsdecode(unquote_to_bytes(url.path))
    if "\x00" in path:
        return None
    return os.path.normpath(path)


class Osc7Scanner:
    """Finds OSC 7 sequences in a byte stream fed in arbitrary chunks.

    ``bytes.find`` does the work, so a flood of ordinary output costs one fast scan per
    chunk (P15 in the benchmarks); only an OSC 7 split across chunks is buffered (at
    most :data:`_MAX_OSC` bytes).
    """

    __slots__ = ("_carry",)

    def __init__(self) -> None:
        self._carry = b""

    def feed(self, data: bytes) -> list[bytes]:
        """Payloads of the OSC 7 sequences completed by ``data``, in order."""
        if self._carry:
            data = self._carry + data
            self._carry = b""
        elif b"\x1b" not in data:
            return []
        found: list[bytes] = []
        pos = 0
        misses = 0
        while True:
            start = self._next_start(data, pos, misses)
            if start < 0:
                break
            if start >= len(data) or data[start:start + len(_START)] != _START:
                misses += 1
                pos = start + 1
                continue
            body = start + len(_START)
            end, term = _terminator(data, body)
            if end < 0:
                if len(data) - start <= _MAX_OSC:
                    self._carry = data[start:]
                return found
            found.append(data[body:end])
            pos = end + term
        # Keep a tail that may be the beginning of ``ESC ] 7 ;``.
        for k in range(len(_START) - 1, 0, -1):
            if data.endswith(_START[:k]):
                self._carry = data[-k:]
                break
        return found

    @staticmethod
    def _next_start(data: bytes, pos: int, misses: int) -> int:
        """Where the next OSC 7 may start. A single-byte search is ``memchr`` (tens of
        GB/s) and "]" is rare in terminal output, while ESC is everywhere in coloured
        output and slows a multi-byte search down; after many stray "]" (JSON, say)
        the plain search is the faster one."""
        if misses > 16:
            return data.find(_START, pos)
        mark = data.find(b"]", pos + 1)
        return mark - 1 if mark > 0 else -1


def _terminator(data: bytes, body: int) -> tuple[int, int]:
    """Where the OSC starting at ``body`` ends (BEL or ST) and the terminator's length."""
    bel = data.find(b"\x07", body)
    st = data.find(b"\x1b\\", body)
    if bel < 0 and st < 0:
        return -1, 0
    if st < 0 or 0 <= bel < st:
        return bel, 1
    return st, 2


def foreground_cwd(master_fd: int) -> str | None:
    """The cwd of the PTY's foreground process group leader (Linux ``/proc``)."""
    try:
        pgid = os.tcgetpgrp(master_fd)
        return os.readlink(f"/proc/{pgid}/cwd")
    except OSError:
        return None


class CwdTracker:
    """Watches one PTY's output and calls ``on_change(path)`` when its shell's directory
    changes. Attach with ``pty.add_listener(tracker.feed)``; :meth:`close` when done."""

    def __init__(self, master_fd: int, current: str, on_change: Callable[[str], None],
                 *, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._fd = master_fd
        self.current = current
        self._on_change = on_change
        self._scanner = Osc7Scanner()
        self._loop = loop or asyncio.get_running_loop()
        self._timer: asyncio.TimerHandle | None = None
        self.saw_osc7 = False
        self.closed = False

    def feed(self, data: bytes) -> None:
        if self.closed:
            return
        for payload in self._scanner.feed(data):
            path = parse_osc7(payload)
            if path is not None:
                self.saw_osc7 = True
                self._report(path)
        if not self.saw_osc7:
            # Debounce: one /proc read after each burst of output, not one per chunk.
            if self._timer is not None:
                self._timer.cancel()
            self._timer = self._loop.call_later(_QUIET_SECONDS, self._poll)

    def _poll(self) -> None:
        self._timer = None
        if self.closed or self.saw_osc7:
            return
        path = foreground_cwd(self._fd)
        if path is not None and not path.endswith(" (deleted)"):
            self._report(path)

    def _report(self, path: str) -> None:
        if path != self.current:
            self.current = path
            self._on_change(path)

    def close(self) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
