"""A shell on a real pseudo-terminal, driven from the event loop.

Reads use ``loop.add_reader`` (never a thread, never a blocking read); writes are
non-blocking with a small pending buffer flushed by ``loop.add_writer``. The shell runs
as a session leader with the PTY as its controlling terminal, so job control, Ctrl+C
and full-screen programs behave as in any terminal.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import fcntl
import os
import signal
import struct
import subprocess
import termios
from collections.abc import Callable

from ._log import OutputLog

__all__ = ["PtyProcess"]

OutputCallback = Callable[[bytes], None]
ExitCallback = Callable[[int | None], None]

_READ_SIZE = 65536


def _set_controlling_tty() -> None:  # runs in the child between fork and exec
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyProcess:
    """One shell process on its own PTY. Create with :meth:`spawn`."""

    def __init__(self, proc: subprocess.Popen[bytes], master_fd: int,
                 loop: asyncio.AbstractEventLoop) -> None:
        self.proc = proc
        self.fd = master_fd
        self._loop = loop
        self._listeners: list[OutputCallback] = []
        self._exit_listeners: list[ExitCallback] = []
        self._pending = bytearray()
        self._closed = False
        self._paused = False
        self.exit_code: int | None = None
        self.exited = asyncio.Event()
        self.rows = 24
        self.cols = 80
        self.output = OutputLog()
        self._listeners.append(self.output.append)
        loop.add_reader(master_fd, self._on_readable)

    @classmethod
    def spawn(cls, argv: list[str], cwd: str, *, rows: int = 24, cols: int = 80,
              env: dict[str, str] | None = None) -> PtyProcess:
        """Start ``argv`` (a shell) in ``cwd`` on a new PTY of ``rows`` x ``cols``."""
        loop = asyncio.get_running_loop()
        master, slave = os.openpty()
        try:
            _set_size(master, rows, cols)
            child_env = dict(os.environ if env is None else env)
            # Our emulator speaks xterm with 24-bit colour, whatever terminal tabwise
            # itself runs in (an inherited COLORTERM describes that one, not ours).
            child_env["TERM"] = "xterm-256color"
            child_env["COLORTERM"] = "truecolor"
            child_env["TABWISE"] = "1"
            proc = subprocess.Popen(
                argv, stdin=slave, stdout=slave, stderr=slave, cwd=cwd, env=child_env,
                start_new_session=True, preexec_fn=_set_controlling_tty, close_fds=True,
            )
        except BaseException:
            os.close(master)
            os.close(slave)
            raise
        os.close(slave)
        os.set_blocking(master, False)
        self = cls(proc, master, loop)
        self.rows, self.cols = rows, cols
        return self

    @property
    def pid(self) -> int:
        return self.proc.pid

    @property
    def alive(self) -> bool:
        return not self._closed and self.exit_code is None

    def foreground_job(self) -> str | None:
        """The name of the program in the foreground, when it is not the shell.

        Asks the kernel which process group owns the terminal (``tcgetpgrp`` on the
        master side): the shell's own group at its prompt, a job's group while ``vim``
        or ``sleep 100`` runs. None at the prompt, after exit, or when it cannot tell.
        """
        if not self.alive:
            return None
        try:
            group = os.tcgetpgrp(self.fd)
        except OSError:
            return None
        if group <= 0 or group == self.proc.pid:
            return None
        return _process_name(group)

    def add_listener(self, fn: OutputCallback) -> Callable[[], None]:
        """Call ``fn(bytes)`` with every chunk of output; returns a remover."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def on_exit(self, fn: ExitCallback) -> Callable[[], None]:
        """Call ``fn(exit_code)`` when the shell exits; returns a remover."""
        self._exit_listeners.append(fn)
        if self.exited.is_set():
            fn(self.exit_code)
        return lambda: self._exit_listeners.remove(fn) if fn in self._exit_listeners else None

    @property
    def reading_paused(self) -> bool:
        return self._paused

    def pause_reading(self) -> None:
        """Stop reading output (backpressure: the program blocks once the PTY fills)."""
        if not self._paused and not self._closed and not self.exited.is_set():
            self._paused = True
            with contextlib.suppress(Exception):
                self._loop.remove_reader(self.fd)

    def resume_reading(self) -> None:
        if self._paused:
            self._paused = False
            if not self._closed and not self.exited.is_set():
                self._loop.add_reader(self.fd, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self.fd, _READ_SIZE)
        except BlockingIOError:
            return
        except OSError as exc:  # EIO: the shell and all its children closed the PTY
            if exc.errno not in (errno.EIO, errno.EBADF):
                raise
            data = b""
        if not data:
            self._finish()
            return
        for fn in tuple(self._listeners):
            fn(data)

    def _finish(self) -> None:
        with contextlib.suppress(Exception):
            self._loop.remove_reader(self.fd)
        with contextlib.suppress(Exception):
            self._loop.remove_writer(self.fd)
        code = self.proc.poll()
        if code is None:
            # The PTY closed but the process is still being reaped; ask again shortly.
            self._loop.call_later(0.05, self._finish_late)
            return
        self._set_exit(code)

    def _finish_late(self) -> None:
        code = self.proc.poll()
        if code is None and not self._closed:
            self._loop.call_later(0.1, self._finish_late)
            return
        self._set_exit(code)

    def _set_exit(self, code: int | None) -> None:
        if self.exited.is_set():
            return
        self.exit_code = code
        self.exited.set()
        for fn in tuple(self._exit_listeners):
            fn(code)

    def write(self, data: bytes | str) -> None:
        """Send input to the shell (never blocks; excess is queued)."""
        if self._closed or self.exited.is_set():
            return
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        if self._pending:
            self._pending += data
            return
        try:
            n = os.write(self.fd, data)
        except BlockingIOError:
            n = 0
        except OSError:
            return
        if n < len(data):
            self._pending += data[n:]
            self._loop.add_writer(self.fd, self._flush)

    def _flush(self) -> None:
        try:
            n = os.write(self.fd, self._pending)
        except BlockingIOError:
            return
        except OSError:
            self._pending.clear()
            n = 0
        del self._pending[:n]
        if not self._pending:
            self._loop.remove_writer(self.fd)

    def resize(self, rows: int, cols: int) -> None:
        """Set the window size; the kernel sends SIGWINCH to the foreground job."""
        if self._closed:
            return
        self.rows, self.cols = rows, cols
        with contextlib.suppress(OSError):
            _set_size(self.fd, rows, cols)

    async def close(self, timeout: float = 1.0) -> None:
        """Hang up the shell's session (SIGHUP), then SIGKILL if it lingers."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            self._loop.remove_reader(self.fd)
        with contextlib.suppress(Exception):
            self._loop.remove_writer(self.fd)
        if self.proc.poll() is None:
            _signal_group(self.proc.pid, signal.SIGHUP)
            _signal_group(self.proc.pid, signal.SIGCONT)
            deadline = self._loop.time() + timeout
            while self.proc.poll() is None and self._loop.time() < deadline:
                await asyncio.sleep(0.02)
            if self.proc.poll() is None:
                _signal_group(self.proc.pid, signal.SIGKILL)
                while self.proc.poll() is None:
                    await asyncio.sleep(0.01)
        with contextlib.suppress(OSError):
            os.close(self.fd)
        self._set_exit(self.proc.returncode)


def _process_name(pid: int) -> str:
    """A process's command name (Linux /proc), else a description of it."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as f:
            return f.read().strip() or f"process {pid}"
    except OSError:
        return f"process {pid}"


def _set_size(fd: int, rows: int, cols: int) -> None:
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
