"""Which models a local server actually serves (DESIGN §4: discovered, not guessed).

For ``ollama`` (``GET /api/tags``) and ``openai-compatible`` providers (``GET
{base_url}/models``) the list comes from the server, fetched in the background and
cached for :data:`TTL` seconds (a failure for :data:`FAILED_TTL`), so ``list_providers``
never waits on the network. The request runs in a worker thread with short timeouts:
nothing of it touches the event loop, not even importing httpx.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..settings import ProviderSettings, redact_secrets, resolve_secret
from ._specs import OLLAMA_DEFAULT, PROVIDER_SPECS, spec_for

__all__ = ["DISCOVERED_KINDS", "Discovered", "DiscoveryFailed", "ModelDiscovery",
           "fetch_models", "listing_url"]

DISCOVERED_KINDS = frozenset(k for k, s in PROVIDER_SPECS.items() if s.discovery)
TTL = 60.0
FAILED_TTL = 10.0
CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 3.0


@dataclass(frozen=True, slots=True)
class Discovered:
    """One fetch: the served model names, or why there are none."""

    models: tuple[str, ...]
    error: str | None
    fetched_at: float  # time.monotonic()

    def fresh(self, now: float) -> bool:
        return now - self.fetched_at < (FAILED_TTL if self.error else TTL)


def listing_url(p: ProviderSettings) -> str | None:
    """Where ``p``'s server lists its models, or None when it is not asked."""
    how = spec_for(p.kind).discovery
    if how == "ollama":
        base = (p.base_url or OLLAMA_DEFAULT).rstrip("/").removesuffix("/v1")
        return base + "/api/tags"
    if how == "openai" and p.base_url:
        return p.base_url.rstrip("/") + "/models"
    return None


def _shown(url: str) -> str:
    """``url`` without user:password and path, fit for a message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, "", "", ""))


def _reason(exc: BaseException) -> str:
    inner: BaseException | None = exc
    while inner is not None:  # httpx wraps the OSError that names the cause
        if isinstance(inner, OSError) and inner.strerror:
            return inner.strerror[:1].lower() + inner.strerror[1:]
        inner = inner.__cause__ or inner.__context__
    return str(exc) or type(exc).__name__


class DiscoveryFailed(Exception):
    """A server's model list could not be had; ``str()`` says why, for ``reason``."""


def fetch_models(url: str, how: str, key: str | None) -> tuple[str, ...]:
    """GET the listing (blocking: runs in a worker thread), read in the ``how`` format
    of :attr:`ProviderSpec.discovery <tabwise.providers.ProviderSpec.discovery>`; raises
    :class:`DiscoveryFailed` with a sentence a user can act on."""
    import httpx

    headers = {"Authorization": f"Bearer {key}"} if key else {}
    timeout = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
    where = _shown(url)
    try:
        response = httpx.get(url, headers=headers, timeout=timeout, follow_redirects=True)
    except httpx.TimeoutException as exc:
        raise DiscoveryFailed(f"{where} did not answer within {READ_TIMEOUT:g} s") from exc
    except httpx.HTTPError as exc:
        raise DiscoveryFailed(f"could not reach {where}: {_reason(exc)}") from exc
    except httpx.InvalidURL as exc:
        raise DiscoveryFailed(f"base_url {where!r} is not a valid URL: {exc}") from exc
    if response.status_code != 200:
        raise DiscoveryFailed(f"{where} answered HTTP {response.status_code} to "
                           f"{urlsplit(url).path}")
    try:
        data: Any = response.json()
        items = data["models"] if how == "ollama" else data["data"]
        names = [str(m["name"] if how == "ollama" else m["id"]) for m in items]
    except (ValueError, KeyError, TypeError) as exc:
        raise DiscoveryFailed(f"{where} sent a model list tabwise cannot read") from exc
    return tuple(dict.fromkeys(n for n in names if n))


class ModelDiscovery:
    """Cached model lists per listing URL, refreshed in the background."""

    def __init__(self, fetch: Callable[[str, str, str | None], tuple[str, ...]] = fetch_models
                 ) -> None:
        self._fetch = fetch
        self._results: dict[str, Discovered] = {}
        self._tasks: dict[str, asyncio.Task[Discovered]] = {}

    def cached(self, p: ProviderSettings) -> Discovered | None:
        url = listing_url(p)
        return self._results.get(url) if url else None

    def refresh_soon(self, p: ProviderSettings) -> None:
        """Start a background fetch if the cache is stale (and a loop is running)."""
        url = listing_url(p)
        if url is None or url in self._tasks:
            return
        result = self._results.get(url)
        if result is not None and result.fresh(time.monotonic()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        self._start(loop, url, p)

    async def refresh(self, p: ProviderSettings) -> Discovered | None:
        """Fetch now (or join the fetch under way) and return the result."""
        url = listing_url(p)
        if url is None:
            return None
        task = self._tasks.get(url) or self._start(asyncio.get_running_loop(), url, p)
        return await asyncio.shield(task)

    def _start(self, loop: asyncio.AbstractEventLoop, url: str,
               p: ProviderSettings) -> asyncio.Task[Discovered]:
        task = loop.create_task(self._run(url, p))
        self._tasks[url] = task
        task.add_done_callback(lambda _t: self._tasks.pop(url, None))
        return task

    async def _run(self, url: str, p: ProviderSettings) -> Discovered:
        key = resolve_secret(p.api_key)
        try:
            how = spec_for(p.kind).discovery or ""
            models = await asyncio.to_thread(self._fetch, url, how, key)
            result = Discovered(models, None, time.monotonic())
        except DiscoveryFailed as exc:
            result = Discovered((), redact_secrets(str(exc)), time.monotonic())
        self._results[url] = result
        return result

    async def aclose(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
