"""PtyProcess: the environment the shell gets, and which program holds the terminal."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tabwise.pty import PtyProcess


async def _until(predicate: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met")
        await asyncio.sleep(0.02)


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PS1": "$ ", **extra}


async def test_truecolor_is_advertised_whatever_the_outer_terminal_said(
        tmp_path: Path) -> None:
    pty = PtyProcess.spawn(["/bin/sh"], str(tmp_path),
                           env=_env(tmp_path, COLORTERM="", TERM="dumb"))
    try:
        pty.write("echo TERM=$TERM COLORTERM=$COLORTERM.\r")
        await _until(lambda: b"COLORTERM=truecolor." in pty.output.read(0, 1 << 20).data)
        assert b"TERM=xterm-256color " in pty.output.read(0, 1 << 20).data
    finally:
        await pty.close()


async def test_foreground_job_is_the_program_holding_the_terminal(tmp_path: Path) -> None:
    pty = PtyProcess.spawn(["/bin/sh", "-i"], str(tmp_path), env=_env(tmp_path))
    try:
        await _until(lambda: b"$" in pty.output.read(0, 1 << 20).data)
        assert pty.foreground_job() is None  # the shell itself, at its prompt
        pty.write("sleep 100\r")
        await _until(lambda: pty.foreground_job() == "sleep")
        pty.write("\x03")  # Ctrl+C: back to the prompt
        await _until(lambda: pty.foreground_job() is None)
    finally:
        await pty.close()
    assert pty.foreground_job() is None  # closed
