"""Shared fixtures: a scripted fake LLM (the only fake), isolated homes, a running core."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from tabwise.commands import Tabwise
from tabwise.providers import PROVIDER_SPECS

from fake_llm import FakeLLM
from helpers import KEY1, KEY2

# Every spec's key variable, plus what the SDKs read on their own.
PROVIDER_KEY_VARS = (
    *(s.key_var for s in PROVIDER_SPECS.values() if s.key_var),
    "GOOGLE_API_KEY", "OPENAI_BASE_URL", "OLLAMA_BASE_URL", "OLLAMA_API_KEY",
    "GROQ_BASE_URL", "TABWISE_HOME",
)



@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches a real provider: clear every provider key from the environment."""
    for var in PROVIDER_KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("SHELL", "/bin/sh")
    monkeypatch.setenv("PS1", "$ ")


class FakeLLMServer:
    """The fake LLM on its own event loop in a thread, shared by the whole test session.

    Running it apart from the tests' loops keeps it alive across tests and makes
    concurrency real: the app under test and the "remote" server do not share a loop.
    """

    def __init__(self) -> None:
        self.llm = FakeLLM()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.llm.start(), self.loop).result(10)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.llm.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeLLMServer]:
    server = FakeLLMServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fake_llm(fake_server: FakeLLMServer) -> Iterator[FakeLLM]:
    fake_server.llm.reset()
    yield fake_server.llm
    fake_server.llm.reset()


def settings_toml(fake: FakeLLM, *, persist: bool = True, extra: str = "") -> str:
    return f"""
[ai]
default_provider = "local1"
default_model = "m1"

[ai.local1]
kind = "openai-compatible"
base_url = "{fake.base_url}"
api_key = "$TW_TEST_KEY1"
models = ["m1", "m1b"]
max_retries = 0
timeout_seconds = 5

[ai.local2]
kind = "openai-compatible"
base_url = "{fake.base_url}"
api_key = "${{TW_TEST_KEY2}}"
models = ["m2"]
context_windows = {{ "m2" = 65536 }}
max_retries = 0
timeout_seconds = 5

[agent]
approval_timeout_seconds = 30

[sessions]
persist = {"true" if persist else "false"}
restore_on_start = true
{extra}
"""


@pytest.fixture
def make_home(tmp_path: Path, fake_llm: FakeLLM,
              monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    monkeypatch.setenv("TW_TEST_KEY1", KEY1)
    monkeypatch.setenv("TW_TEST_KEY2", KEY2)

    def make(name: str = "home", **kw: Any) -> Path:
        home = tmp_path / name
        home.mkdir(exist_ok=True)
        (home / "settings.toml").write_text(settings_toml(fake_llm, **kw))
        return home

    return make


@pytest.fixture
def home(make_home: Callable[..., Path]) -> Path:
    return make_home()


@pytest.fixture
async def core(home: Path) -> AsyncIterator[Tabwise]:
    app = await Tabwise.start(home)
    try:
        yield app
    finally:
        await app.stop()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    d = tmp_path / "work"
    d.mkdir()
    return d


def env_without_keys() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in PROVIDER_KEY_VARS}
