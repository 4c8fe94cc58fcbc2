"""Build pydantic-ai models for a provider name and model (DESIGN §3).

Heavy SDKs are imported only when a provider of that kind is first used. One
pydantic-ai ``Provider`` (and so one HTTP client and connection pool) is kept per
(provider, kind, base_url, key) and shared by every session using it: connections are
shared, state is not (history and settings live in each session).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..api import ProviderInfo
from ..errors import InvalidParams, ProviderNotConfigured, UnknownProvider
from ..settings import ProviderSettings, Settings, resolve_secret
from ._catalog import catalog_models, context_window
from ._discovery import ModelDiscovery
from ._prices import known_window
from ._schema_cache import reuse_schema_transforms
from ._specs import spec_for

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from pydantic_ai.providers import Provider
    from pydantic_ai.settings import ModelSettings

__all__ = ["BuiltModel", "ProviderRegistry"]


@dataclass(slots=True)
class BuiltModel:
    """A tab's model, ready to use, plus what a session needs to know about it.

    The pydantic-ai model (and with it the provider's SDK, ~0.3 s to import for openai)
    is made on first use, not when a tab is created or restored: a restart with many
    tabs shows them at once, and only the first request pays for the import.
    """

    provider: str
    model_name: str
    settings: ModelSettings
    provider_settings: ProviderSettings
    _make: Callable[[], Model]
    _model: Model | None = None

    @property
    def model(self) -> Model:
        if self._model is None:
            try:
                self._model = self._make()
            except ImportError as exc:
                raise ProviderNotConfigured(
                    f"Provider {self.provider!r} needs a package that is not installed "
                    f"({exc.name})."
                ) from exc
        return self._model

    @property
    def context_window(self) -> int:
        p = self.provider_settings
        return context_window(p, self.model_name,
                              known_window(p.kind, p.base_url, self.model_name))


def _missing_key_reason(p: ProviderSettings) -> str | None:
    if resolve_secret(p.api_key) is not None:
        return None
    # A local server needs no key, unless the settings name one that is not set.
    if not p.needs_key and not p.key_var:
        return None
    var = p.key_var or spec_for(p.kind).key_var
    if p.key_var:
        return f"set {var} (read by [ai.{p.name}] api_key)"
    if var:
        return f"set {var} or api_key in [ai.{p.name}]"
    return f"set api_key in [ai.{p.name}]"


class ProviderRegistry:
    """Resolves provider settings to pydantic-ai models, sharing HTTP clients."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._providers: dict[tuple[str, str, str, str], Provider[object]] = {}
        self.discovery = ModelDiscovery()

    @property
    def settings(self) -> Settings:
        return self._settings

    def update_settings(self, settings: Settings) -> None:
        # Cached providers stay keyed by their resolved inputs, so sessions keep working.
        self._settings = settings

    def provider_settings(self, name: str) -> ProviderSettings:
        p = self._settings.provider(name)
        if p is None:
            known = ", ".join(self._settings.provider_names())
            raise UnknownProvider(f"Unknown provider {name!r}; known providers: {known}.")
        return p

    def status(self, name: str) -> ProviderInfo:
        """What ``list_providers`` says of ``name``. For local servers the models are
        what the server serves (cached; a stale cache is refreshed in the background);
        when it cannot be reached the configured ones stay and ``reason`` says why."""
        p = self.provider_settings(name)
        reason = _missing_key_reason(p)
        models = catalog_models(p)
        if spec_for(p.kind).discovery and reason is None:
            self.discovery.refresh_soon(p)
            found = self.discovery.cached(p)
            if found is not None and found.error:
                reason = found.error
            elif found is not None:
                models = list(dict.fromkeys([*models, *found.models]))
            return ProviderInfo(name, p.kind, True, reason, tuple(models))
        return ProviderInfo(name, p.kind, reason is None, reason, tuple(models))

    async def discover(self) -> None:
        """Fetch every local server's model list now (``tabwise models``)."""
        wanted = [p for n in self._settings.provider_names()
                  if (p := self._settings.provider(n)) is not None
                  and spec_for(p.kind).discovery and _missing_key_reason(p) is None]
        await asyncio.gather(*(self.discovery.refresh(p) for p in wanted))

    def statuses(self) -> list[ProviderInfo]:
        return [self.status(n) for n in self._settings.provider_names()]

    def build(self, provider: str, model: str) -> BuiltModel:
        """A model for ``provider``/``model``; raises a TabwiseError when it cannot be built."""
        if not isinstance(model, str) or not model.strip():
            raise InvalidParams("The model name must be a non-empty string.")
        p = self.provider_settings(provider)
        reason = _missing_key_reason(p)
        if reason:
            raise ProviderNotConfigured(f"Provider {provider!r} is not configured: {reason}.")
        key = resolve_secret(p.api_key) or ""
        spec = spec_for(p.kind)
        cache_key = (p.name, p.kind, p.base_url or "",
                     hashlib.sha256(key.encode()).hexdigest())

        def make() -> Model:
            prov = self._providers.get(cache_key)
            if prov is None:
                prov = spec.provider(p, key or None)
                self._providers[cache_key] = prov
            # Tool schemas are rewritten for the provider once, not per request.
            return reuse_schema_transforms(spec.model(p, model, prov))

        settings: ModelSettings = {"timeout": p.timeout_seconds, "max_retries": p.max_retries}
        return BuiltModel(provider, model, settings, p, make)

    def preload(self, provider_names: list[str]) -> None:
        """Import the SDK modules these providers need (call it from a worker thread, so
        the first request of a tab does not pay for the import on the event loop)."""
        import importlib

        for name in provider_names:
            p = self._settings.provider(name)
            for module in spec_for(p.kind).sdk_modules if p else ():
                try:
                    importlib.import_module(module)
                except ImportError:
                    pass  # reported, with the package name, when the model is made

    async def aclose(self) -> None:
        await self.discovery.aclose()
        for prov in self._providers.values():
            close = getattr(prov, "__aexit__", None)
            if close is not None:
                try:
                    await close(None, None, None)
                except Exception:  # closing clients at exit is best effort
                    pass
        self._providers.clear()
