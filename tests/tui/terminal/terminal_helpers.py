"""Helpers for the terminal tests (a uniquely named module: conftest names collide)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from tabwise.pty import PtyProcess

SpawnShell = Callable[..., Awaitable[PtyProcess]]
"""The ``spawn_shell`` fixture: ``await spawn_shell(rows=24, cols=80)``."""


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    """Poll ``predicate`` while the loop (and the app under test) keeps running."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.02)
