"""Local servers' models are discovered, not guessed (issue #15, item 4)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tabwise.api import ProviderInfo
from tabwise.commands import Tabwise

from fake_llm import FakeLLM
from helpers import KEY1


def local_table(name: str, base_url: str, models: str = '["cfg-model"]',
                kind: str = "openai-compatible") -> str:
    return f"""
[ai.{name}]
kind = "{kind}"
base_url = "{base_url}"
models = {models}
"""


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(8)
        yield int(s.getsockname()[1])


def by_name(providers: list[ProviderInfo]) -> dict[str, ProviderInfo]:
    return {p.name: p for p in providers}


async def test_openai_compatible_lists_what_the_server_serves(
        make_home: Callable[..., Path], fake_llm: FakeLLM) -> None:
    fake_llm.served_models = ["served-a", "served-b", "m1"]
    core = await Tabwise.start(make_home())
    try:
        local1 = by_name(await core.list_providers(refresh=True))["local1"]
        assert list(local1.models) == ["m1", "m1b", "served-a", "served-b"]
        assert local1.reason is None and local1.configured is True
        listing = [r for r in fake_llm.listing_requests if r.path == "/v1/models"]
        assert listing and KEY1 in {r.api_key for r in listing}
    finally:
        await core.stop()


async def test_ollama_lists_its_tags(make_home: Callable[..., Path],
                                     fake_llm: FakeLLM) -> None:
    fake_llm.served_models = ["qwen3:8b", "llama3.1:latest"]
    base = fake_llm.base_url.removesuffix("/v1")
    core = await Tabwise.start(make_home(extra=f'\n[ai.ollama]\nbase_url = "{base}"\n'))
    try:
        ollama = by_name(await core.list_providers(refresh=True))["ollama"]
        assert list(ollama.models) == ["qwen3:8b", "llama3.1:latest"]
        assert ollama.reason is None
        assert any(r.path == "/api/tags" for r in fake_llm.listing_requests)
    finally:
        await core.stop()


async def test_a_closed_port_keeps_the_configured_models_and_says_why(
        make_home: Callable[..., Path], closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    extra = (local_table("down", url + "/v1")
             + f'\n[ai.ollama]\nbase_url = "{url}"\nmodels = ["mine:7b"]\n')
    core = await Tabwise.start(make_home(extra=extra))
    try:
        providers = by_name(await core.list_providers(refresh=True))
        down, ollama = providers["down"], providers["ollama"]
        assert list(down.models) == ["cfg-model"]
        assert down.configured is True  # it may come up: the model can still be picked
        assert down.reason == f"could not reach {url}: connection refused"
        # No guessed names for Ollama: only what the settings name.
        assert list(ollama.models) == ["mine:7b"]
        assert ollama.reason == f"could not reach {url}: connection refused"
    finally:
        await core.stop()


async def test_list_providers_never_waits_for_a_silent_server(
        make_home: Callable[..., Path], silent_port: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tabwise.providers._discovery.READ_TIMEOUT", 0.5)
    core = await Tabwise.start(make_home(
        extra=local_table("slow", f"http://127.0.0.1:{silent_port}/v1")))
    try:
        slow = by_name(await core.list_providers())["slow"]
        # Answered from what is known while the fetch is still under way.
        assert core.providers.discovery._tasks
        assert list(slow.models) == ["cfg-model"] and slow.reason is None
        refreshed = by_name(await core.list_providers(refresh=True))["slow"]
        assert list(refreshed.models) == ["cfg-model"]
        assert "did not answer within" in str(refreshed.reason)
    finally:
        await core.stop()


async def test_discovery_is_cached(make_home: Callable[..., Path], fake_llm: FakeLLM) -> None:
    fake_llm.served_models = ["served-a"]
    core = await Tabwise.start(make_home())
    try:
        await core.list_providers(refresh=True)
        before = len(fake_llm.listing_requests)
        for _ in range(5):
            await core.list_providers()
        await asyncio.sleep(0.1)
        assert len(fake_llm.listing_requests) == before
    finally:
        await core.stop()


def test_tabwise_models_prints_the_discovered_models(
        make_home: Callable[..., Path], fake_llm: FakeLLM, closed_port: int) -> None:
    fake_llm.served_models = ["served-from-fake"]
    home = make_home(extra=local_table("down", f"http://127.0.0.1:{closed_port}/v1"))
    out = subprocess.run([sys.executable, "-m", "tabwise.cli", "--home", str(home), "models"],
                         capture_output=True, text=True, check=False, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "    served-from-fake" in out.stdout
    assert f"could not reach http://127.0.0.1:{closed_port}: connection refused" in out.stdout
