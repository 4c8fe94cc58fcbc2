"""Real shells on real PTYs for the terminal tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from terminal_helpers import SpawnShell

from tabwise.pty import PtyProcess


@pytest.fixture
async def spawn_shell(tmp_path: Path) -> AsyncIterator[SpawnShell]:
    """Start ``/bin/sh`` with a fixed ``$ `` prompt in ``tmp_path``; closed afterwards."""
    started: list[PtyProcess] = []

    async def spawn(rows: int = 24, cols: int = 80) -> PtyProcess:
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PS1": "$ ",
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
        }
        pty = PtyProcess.spawn(["/bin/sh"], str(tmp_path), rows=rows, cols=cols, env=env)
        started.append(pty)
        return pty

    yield spawn
    for pty in started:
        await pty.close()
