"""Terminal commands (DESIGN §4 "Terminal"): write to, read from and resize a tab's
shell, follow its output, and start a new one."""

from __future__ import annotations

from ..api import PtyReadResult, SessionInfo
from ..errors import InvalidParams, TabwiseError
from ..pty import PtyProcess, PtyStream
from ._base import CoreBase
from ._command import command

__all__ = ["TerminalCommands"]


class TerminalCommands(CoreBase):
    """The terminal commands, mixed into :class:`~tabwise.commands.Tabwise`."""

    def terminal(self, session_id: str) -> PtyProcess | None:
        """The tab's live terminal process (None for a tab without one).

        The one in-process accessor past the commands: an in-process front end (the
        TUI) reads the shell's output from it on every frame and writes keys to it, a
        hot path no command round trip should sit on. Everything else goes through the
        commands; remote front ends use ``pty_read`` / ``subscribe_pty``, ``pty_write``
        and ``pty_resize``. The process changes when ``restart_terminal`` runs: ask again
        after it. Raises :class:`SessionNotFound` for a tab that is not live."""
        return self._session(session_id).pty

    @command
    async def pty_write(self, session_id: str, data: str) -> bool:
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        s.pty.write(data)
        return True

    @command
    async def restart_terminal(self, session_id: str) -> SessionInfo:
        """Start a new shell for a tab whose shell exited (or replace a running one)."""
        s = self._session(session_id)
        old = s.pty
        rows, cols = (old.rows, old.cols) if old is not None else (24, 80)
        try:
            self._start_pty(s, rows, cols)
        except OSError as exc:
            raise TabwiseError(f"Could not start the shell: {exc}.") from exc
        if old is not None:
            if self.screens is not None:
                self.screens.shell_replaced(session_id, old)
            await old.close()
        return self._info(s)

    @command
    async def pty_read(self, session_id: str, offset: int = 0,
                       max_bytes: int = 65536) -> PtyReadResult:
        """Recent terminal output from byte ``offset`` on (the last 256 KB are kept)."""
        if offset < 0 or not 0 < max_bytes <= 1 << 20:
            raise InvalidParams("offset must be >= 0 and max_bytes in 1..1048576.")
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        got = s.pty.output.read(offset, max_bytes)
        return PtyReadResult(got.data.decode("utf-8", "replace"), got.offset, got.next_offset,
                             got.dropped, s.pty.exited.is_set(), s.pty.exit_code)

    def subscribe_pty(self, session_id: str) -> PtyStream:
        """The tab's terminal output from now on, as chunks with their byte offsets.

        The stream starts at ``stream.offset``, the byte log's total now (what came
        before is ``pty_read``'s), its offsets are ``pty_read``'s, and it ends when this
        shell does; see :class:`~tabwise.pty.PtyStream`. Not a JSON command: the server
        makes it the ``subscribe_pty`` method (``pty_output`` notifications), and in
        process it is the documented accessor to a terminal's byte stream.
        """
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        return PtyStream(s.pty)

    @command
    async def pty_resize(self, session_id: str, rows: int, cols: int) -> bool:
        if not (0 < rows < 10000 and 0 < cols < 10000):
            raise InvalidParams("rows and cols must be positive integers.")
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        s.pty.resize(rows, cols)
        return True
