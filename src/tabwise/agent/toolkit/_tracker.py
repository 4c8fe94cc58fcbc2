"""Every process a tab's commands started, so that closing the tab stops them all.

``run_command`` returns when its shell exits, but ``sleep 600 &`` or a dev server the
command started in the background keeps running in the command's process group. The
tab's :class:`CommandTracker` remembers each group and stops them all when the tab's
agent shuts down (``close_session``, ``shutdown_ai_session``, quitting).

A child that left the group (``setsid``, a daemon that double-forks) is still found:
each command's environment carries the tracker's tag, which every descendant inherits,
and on Linux ``/proc/<pid>/environ`` shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid

from ._limits import KILL_GRACE_SECONDS
from ._procgroup import group_alive, kill_group

__all__ = ["TAG_VARIABLE", "CommandTracker"]

# The environment variable that marks a tab's commands and all their descendants.
TAG_VARIABLE = "TABWISE_COMMAND_TAG"

# Dead groups are forgotten once this many are remembered, so a long-lived tab that
# runs thousands of commands keeps a short list.
_PRUNE_AT = 64
_POLL_SECONDS = 0.05


class CommandTracker:
    """The process groups and the tag of one tab's commands."""

    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex
        self.closed = False
        self._groups: set[int] = set()
        self._started_any = False  # a tab that never ran a command skips the /proc scan

    def environment(self) -> dict[str, str]:
        """The environment for a new command: ours plus the tag."""
        return {**os.environ, TAG_VARIABLE: self.tag}

    def started(self, pgid: int) -> None:
        """Remember the process group of a command that just started."""
        if len(self._groups) >= _PRUNE_AT:
            self._groups = {g for g in self._groups if group_alive(g)}
        self._groups.add(pgid)
        self._started_any = True

    async def stop_all(self) -> None:
        """Stop every process this tab's commands started; later commands are refused.

        Groups get SIGTERM, then SIGKILL after ``KILL_GRACE_SECONDS``; processes that left
        their group but carry the tag get the same, found through ``/proc``.
        """
        self.closed = True
        if not self._started_any:
            return
        groups, self._groups = self._groups, set()
        await asyncio.gather(*(kill_group(g) for g in groups))
        await _kill_tagged(self.tag)


async def _kill_tagged(tag: str) -> None:
    pids = await asyncio.to_thread(tagged_processes, tag)
    if not pids:
        return
    _signal_all(pids, signal.SIGTERM)
    _signal_all(pids, signal.SIGCONT)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + KILL_GRACE_SECONDS
    try:
        while pids and loop.time() < deadline:
            await asyncio.sleep(_POLL_SECONDS)
            pids = await asyncio.to_thread(tagged_processes, tag)
    finally:
        # Sent even when the caller is cancelled while waiting.
        _signal_all(pids, signal.SIGKILL)


def tagged_processes(tag: str) -> list[int]:
    """The running processes (zombies excluded) whose environment holds ``tag``.

    Empty where there is no ``/proc`` (macOS): there the process groups must do.
    """
    marker = f"{TAG_VARIABLE}={tag}".encode()
    try:
        names = [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []
    own = os.getpid()
    found: list[int] = []
    for name in names:
        pid = int(name)
        if pid == own:
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as file:
                environ = file.read()
            with open(f"/proc/{name}/stat", "rb") as file:
                stat = file.read()
        except OSError:
            continue  # gone, or another user's process
        state = stat[stat.rfind(b")") + 2:][:1]
        if state not in (b"Z", b"X") and marker in environ.split(b"\0"):
            found.append(pid)
    return found


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)
