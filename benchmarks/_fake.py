"""The scripted fake LLM for benchmarks, plus a throwaway tabwise home pointed at it.

The fake is the test suite's own (``tests/fake_llm.py``), imported rather than copied so
benchmarks and tests agree on what the "remote" model does. It runs on its own event
loop in a daemon thread, like the tests' ``FakeLLMServer``: the code under test and the
server never share a loop, so a stall in one cannot hide in the other. They do share
the GIL, which costs the raw-SDK baseline exactly what it costs tabwise.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "tests") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests"))

from fake_llm import FakeLLM, Reply, ToolCall  # noqa: E402

__all__ = ["KEY1", "KEY2", "FakeServer", "Reply", "ToolCall", "bench_home", "settings_toml"]

KEY1 = "sk-bench-key-one"
KEY2 = "sk-bench-key-two"
_KEY_VARS = {"TW_BENCH_KEY1": KEY1, "TW_BENCH_KEY2": KEY2}


class FakeServer:
    """``FakeLLM`` on its own loop in a daemon thread. Use as a context manager."""

    def __init__(self) -> None:
        self.llm = FakeLLM()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="fake-llm",
                                        daemon=True)

    @property
    def base_url(self) -> str:
        return str(self.llm.base_url)

    def script(self, model: str, *replies: Reply) -> None:
        self.llm.script(model, *replies)

    def start(self) -> FakeServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.llm.start(), self.loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.llm.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def settings_toml(base_url: str, *, persist: bool = False, extra: str = "") -> str:
    """Two openai-compatible providers on the fake, no retries, archive off by default."""
    return f"""
[ai]
default_provider = "local1"
default_model = "m1"

[ai.local1]
kind = "openai-compatible"
base_url = "{base_url}"
api_key = "$TW_BENCH_KEY1"
models = ["m1"]
max_retries = 0
timeout_seconds = 60

[ai.local2]
kind = "openai-compatible"
base_url = "{base_url}"
api_key = "$TW_BENCH_KEY2"
models = ["m2"]
max_retries = 0
timeout_seconds = 60

[agent]
approval_timeout_seconds = 600

[sessions]
persist = {"true" if persist else "false"}
restore_on_start = false
{extra}
"""


@contextmanager
def bench_home(base_url: str, **kw: Any) -> Iterator[Path]:
    """A temporary TABWISE home with :func:`settings_toml`; the key env vars are set
    for the duration (and restored after)."""
    saved = {k: os.environ.get(k) for k in _KEY_VARS}
    os.environ.update(_KEY_VARS)
    try:
        with tempfile.TemporaryDirectory(prefix="tabwise-bench-") as tmp:
            home = Path(tmp) / "home"
            home.mkdir()
            (home / "settings.toml").write_text(settings_toml(base_url, **kw))
            (Path(tmp) / "work").mkdir()
            yield home
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
