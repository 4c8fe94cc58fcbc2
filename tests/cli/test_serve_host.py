"""`tabwise serve --host` other than loopback warns (issue #10 item 10)."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tabwise.server import is_loopback


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.10", False),
    ("example.com", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


async def serve_stderr(home: Path, host: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tabwise.cli", "--home", str(home), "serve", "--host", host,
        "--port", "0", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        env={**os.environ})
    assert proc.stdout is not None and proc.stderr is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert line.startswith("listening on ws://"), line
    finally:
        proc.send_signal(signal.SIGTERM)
        err = (await asyncio.wait_for(proc.stderr.read(), 20)).decode()
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    return err


async def test_binding_every_interface_warns(home: Path) -> None:
    err = await serve_stderr(home, "0.0.0.0")
    assert "warning: --host 0.0.0.0 accepts connections from other machines" in err


async def test_loopback_does_not_warn(home: Path) -> None:
    assert "warning" not in await serve_stderr(home, "127.0.0.1")
