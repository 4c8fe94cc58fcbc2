"""Stopping a command together with everything it started.

``run_command`` starts each shell as the leader of a new session, so the shell, its
children and their children share one process group whose id is the shell's pid.
Signalling the group reaches the grandchildren that killing the shell alone would
leave behind (a ``sleep 30 &``, a test runner's workers, a dev server).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from ._limits import KILL_GRACE_SECONDS

__all__ = ["group_alive", "kill_group"]

_POLL_SECONDS = 0.05


async def kill_group(pgid: int) -> None:
    """SIGTERM the process group, allow ``KILL_GRACE_SECONDS``, then SIGKILL what is left.

    Safe to call for a group that is already gone. If the caller is cancelled while
    waiting, the SIGKILL is still sent before the cancellation propagates.
    """
    _signal_group(pgid, signal.SIGTERM)
    # A stopped process (Ctrl+Z, SIGSTOP) only acts on SIGTERM once it runs again.
    _signal_group(pgid, signal.SIGCONT)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + KILL_GRACE_SECONDS
    gone = False
    try:
        while loop.time() < deadline:
            if not await asyncio.to_thread(group_alive, pgid):
                gone = True
                return
            await asyncio.sleep(_POLL_SECONDS)
    finally:
        if not gone:
            _signal_group(pgid, signal.SIGKILL)


def group_alive(pgid: int) -> bool:
    """Whether any process of group ``pgid`` is still running (zombies do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _has_running_member(pgid)


def _has_running_member(pgid: int) -> bool:
    """Look for a group member that is not a zombie, where ``/proc`` can tell.

    ``killpg(pgid, 0)`` also succeeds for zombies, and under an init that never reaps
    orphans (a bare container's PID 1) a dead grandchild stays a zombie for good; without
    this check every timeout would wait out the whole grace period.
    """
    try:
        pids = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return True  # no /proc (macOS): trust killpg
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", "rb") as file:
                data = file.read()
        except OSError:
            continue  # exited while we looked
        # "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
        fields = data[data.rfind(b")") + 2:].split()
        if len(fields) > 2 and fields[0] not in (b"Z", b"X") and int(fields[2]) == pgid:
            return True
    return False


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
