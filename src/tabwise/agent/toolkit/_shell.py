"""``run_command``: a shell command in the working directory, output captured.

Each command runs as ``shell -c command`` in a new session, which gives it its own
process group and no controlling terminal: a timeout or a cancelled turn stops the
whole group (see ``_procgroup``), and a program that wants to prompt on ``/dev/tty``
fails at once instead of hanging. Stdin is ``/dev/null``; stdout and stderr share one
pipe, so their lines interleave as they would in a terminal.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
from pathlib import Path
from typing import IO

from ._errors import ToolError
from ._limits import COMMAND_OUTPUT_MAX_BYTES, OUTPUT_DRAIN_SECONDS
from ._procgroup import kill_group
from ._tracker import CommandTracker

__all__ = ["run_command"]


async def run_command(cwd: Path, command: str, timeout_seconds: float = 120,
                      shell: str = "/bin/sh", tracker: CommandTracker | None = None) -> str:
    """Run ``command`` through ``shell -c`` in ``cwd`` and return its output.

    The output (stdout and stderr interleaved, head and tail kept when it is long) ends
    with ``[exit code N]``. After ``timeout_seconds`` the command's whole process group
    is killed and the partial output is returned with a note; this is a result, not an
    error, so the model sees what the command printed. Cancelling the call kills the
    group too. Background processes that outlive the shell keep running (their output
    is no longer read once the shell has exited) until ``tracker``, the tab's
    :class:`CommandTracker`, stops them all when the tab closes.
    """
    if not command.strip():
        raise ToolError("command is empty; give the command line to run.")
    if not (timeout_seconds > 0 and math.isfinite(timeout_seconds)):
        raise ToolError(f"timeout_seconds must be a positive number of seconds; it was "
                        f"{timeout_seconds}.")
    if tracker is not None and tracker.closed:
        raise ToolError("This tab is closing, so no new command can start.")
    workdir = await asyncio.to_thread(_workdir, cwd)
    env = tracker.environment() if tracker is not None else None
    read_end, write_end = os.pipe()
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        try:
            process = await _spawn(shell, command, workdir, write_end, env)
        finally:
            # The child has its own copy; ours would keep end-of-file from ever arriving.
            os.close(write_end)
        if tracker is not None:
            tracker.started(process.pid)  # a new session's leader also leads its group
        return await _supervise(process, pipe, timeout_seconds)


def _workdir(cwd: Path) -> Path:
    workdir = cwd.expanduser()
    if not workdir.is_dir():
        raise ToolError(f"The working directory {workdir} does not exist or is not a "
                        "directory, so the command cannot run there.")
    return workdir


async def _spawn(shell: str, command: str, workdir: Path, output_fd: int,
                 env: dict[str, str] | None) -> asyncio.subprocess.Process:
    try:
        return await asyncio.create_subprocess_exec(
            shell, "-c", command, cwd=workdir, stdin=subprocess.DEVNULL,
            stdout=output_fd, stderr=output_fd, start_new_session=True, env=env)
    except ValueError as exc:  # a NUL character in the command line
        raise ToolError(f"The command cannot be run: {exc}.") from exc
    except OSError as exc:
        raise ToolError(f"Could not start the shell {shell}: "
                        f"{exc.strerror or exc}.") from exc


async def _supervise(process: asyncio.subprocess.Process, pipe: IO[bytes],
                     timeout: float) -> str:
    """Collect the output until the shell exits or time runs out; stop the group if needed."""
    loop = asyncio.get_running_loop()
    output = _HeadTail(COMMAND_OUTPUT_MAX_BYTES)
    protocol = _Collector(output, loop.create_future())
    transport: asyncio.BaseTransport | None = None
    pgid = process.pid  # a new session's leader also leads its process group
    timed_out = False
    try:
        transport, _ = await loop.connect_read_pipe(lambda: protocol, pipe)
        try:
            async with asyncio.timeout(timeout):
                await process.wait()
        except TimeoutError:
            timed_out = True
            await kill_group(pgid)
            await process.wait()
        # Let background children flush, but never wait on a daemon that keeps the pipe.
        await asyncio.wait([protocol.closed], timeout=OUTPUT_DRAIN_SECONDS)
    except BaseException:
        # Cancelled (the turn was stopped, the tab closed) or failed: leave nothing behind.
        await kill_group(pgid)
        raise
    finally:
        if transport is not None:
            transport.close()
    body = output.text().removesuffix("\n") or "(no output)"
    if timed_out:
        footer = f"[timed out after {timeout:g} s; process group killed]"
    else:
        footer = _exit_note(process.returncode)
    return f"{body}\n{footer}"


def _exit_note(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"[exit code {code}: killed by {name}]"
    return f"[exit code {code}]"


class _Collector(asyncio.Protocol):
    """Feeds the pipe's data to a buffer and resolves ``closed`` at end of file."""

    def __init__(self, output: _HeadTail, closed: asyncio.Future[None]) -> None:
        self.output = output
        self.closed = closed

    def data_received(self, data: bytes) -> None:
        self.output.feed(data)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


class _HeadTail:
    """Keeps the first and last bytes of a stream within ``limit``, counting the rest.

    The head shows what the command set out to do, the tail how it ended (the error,
    the summary line); the middle of a long build log matters least.
    """

    def __init__(self, limit: int) -> None:
        self._head_limit = limit // 2
        self._tail_limit = limit - self._head_limit
        self._head = bytearray()
        self._tail = bytearray()
        self._total = 0

    def feed(self, data: bytes) -> None:
        self._total += len(data)
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if data:
            self._tail += data
            # Trim in batches so a chatty command does not copy the tail per chunk.
            if len(self._tail) > 2 * self._tail_limit:
                del self._tail[:-self._tail_limit]

    def text(self) -> str:
        tail = bytes(self._tail[-self._tail_limit:])
        head = bytes(self._head)
        omitted = self._total - len(head) - len(tail)
        if omitted <= 0:
            return (head + tail).decode("utf-8", "replace")
        return (f"{head.decode('utf-8', 'replace')}\n[... {omitted} bytes omitted ...]\n"
                f"{tail.decode('utf-8', 'replace')}")
