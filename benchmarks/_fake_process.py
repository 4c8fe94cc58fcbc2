"""The fake LLM in a process of its own, for latency rows where sharing the GIL with
the code under test would add the fake's own waits to tabwise's figures.

It cannot be scripted from here: every request gets the echo reply (the last user
message, in 8-character chunks) with ``chunk_delay`` seconds between chunks.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["FakeProcess"]

_SERVE = """
import asyncio, sys
sys.path.insert(0, {tests!r})
from fake_llm import FakeLLM

async def main():
    fake = FakeLLM()
    await fake.start()
    fake.default_chunk_delay = {delay!r}
    print(fake.port, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await fake.stop()

asyncio.run(main())
"""


class FakeProcess:
    """Start with ``with FakeProcess(delay) as fake:``; ``fake.base_url`` is its URL."""

    def __init__(self, chunk_delay: float) -> None:
        tests = str(Path(__file__).resolve().parent.parent / "tests")
        self._proc = subprocess.Popen(
            [sys.executable, "-c", _SERVE.format(tests=tests, delay=chunk_delay)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._proc.stdout is not None
        self.base_url = f"http://127.0.0.1:{int(self._proc.stdout.readline())}/v1"

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.close()  # the server stops when its stdin closes
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
