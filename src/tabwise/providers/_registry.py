"""Build pydantic-ai models for a provider name and model (DESIGN §3).

Heavy SDKs are imported only when a provider of that kind is first used. One
pydantic-ai ``Provider`` (and so one HTTP client and connection pool) is kept per
(provider, kind, base_url, key) and shared by every session using it: connections are
shared, state is not (history and settings live in each session).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InvalidParams, ProviderNotConfigured, UnknownProvider
from ..settings import DEFAULT_KEY_VARS, ProviderSettings, Settings, resolve_secret
from ._catalog import catalog_models, context_window
from ._discovery import DISCOVERED_KINDS, ModelDiscovery

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from pydantic_ai.settings import ModelSettings

__all__ = ["BuiltModel", "ProviderRegistry", "ProviderStatus"]


@dataclass(frozen=True, slots=True)
class ProviderStatus:
    """What ``list_providers`` reports for one provider."""

    name: str
    kind: str
    configured: bool
    reason: str | None
    models: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "configured": self.configured,
                "reason": self.reason, "models": self.models}


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
                              _known_window(p.kind, p.base_url, self.model_name))


@functools.cache
def _known_window(kind: str, base_url: str | None, model: str) -> int | None:
    """The window genai-prices records for the model (what pydantic-ai's profiles use),
    looked up by name so that no SDK has to be imported to know it."""
    from pydantic_ai._genai_prices import lookup_context_window

    try:
        return lookup_context_window(model, provider_name=_PRICE_IDS.get(kind),
                                     provider_api_url=base_url)
    except Exception:  # price data is a nicety; the catalog default applies
        return None


_PRICE_IDS = {"openai": "openai", "openai-compatible": "openai", "anthropic": "anthropic",
              "gemini": "google", "groq": "groq", "mistral": "mistral", "xai": "x-ai",
              "deepseek": "deepseek", "openrouter": "openrouter", "ollama": None}


def _missing_key_reason(p: ProviderSettings) -> str | None:
    if resolve_secret(p.api_key) is not None:
        return None
    # A local server needs no key, unless the settings name one that is not set.
    if not p.needs_key and not p.key_var:
        return None
    var = p.key_var or DEFAULT_KEY_VARS.get(p.kind)
    if p.key_var:
        return f"set {var} (read by [ai.{p.name}] api_key)"
    if var:
        return f"set {var} or api_key in [ai.{p.name}]"
    return f"set api_key in [ai.{p.name}]"


class ProviderRegistry:
    """Resolves provider settings to pydantic-ai models, sharing HTTP clients."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._providers: dict[tuple[str, str, str, str], Any] = {}
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

    def status(self, name: str) -> ProviderStatus:
        """What ``list_providers`` says of ``name``. For local servers the models are
        what the server serves (cached; a stale cache is refreshed in the background);
        when it cannot be reached the configured ones stay and ``reason`` says why."""
        p = self.provider_settings(name)
        reason = _missing_key_reason(p)
        models = catalog_models(p)
        if p.kind in DISCOVERED_KINDS and reason is None:
            self.discovery.refresh_soon(p)
            found = self.discovery.cached(p)
            if found is not None and found.error:
                reason = found.error
            elif found is not None:
                models = list(dict.fromkeys([*models, *found.models]))
            return ProviderStatus(name, p.kind, True, reason, models)
        return ProviderStatus(name, p.kind, reason is None, reason, models)

    async def discover(self) -> None:
        """Fetch every local server's model list now (``tabwise models``)."""
        wanted = [p for n in self._settings.provider_names()
                  if (p := self._settings.provider(n)) is not None
                  and p.kind in DISCOVERED_KINDS and _missing_key_reason(p) is None]
        await asyncio.gather(*(self.discovery.refresh(p) for p in wanted))

    def statuses(self) -> list[ProviderStatus]:
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
        cache_key = (p.name, p.kind, p.base_url or "",
                     hashlib.sha256(key.encode()).hexdigest())

        def make() -> Model:
            prov = self._providers.get(cache_key)
            if prov is None:
                prov = _PROVIDER_FACTORIES[p.kind](p, key or None)
                self._providers[cache_key] = prov
            return _MODEL_FACTORIES[p.kind](p, model, prov)  # type: ignore[no-any-return]

        settings: ModelSettings = {"timeout": p.timeout_seconds, "max_retries": p.max_retries}
        return BuiltModel(provider, model, settings, p, make)

    def preload(self, provider_names: list[str]) -> None:
        """Import the SDK modules these providers need (call it from a worker thread, so
        the first request of a tab does not pay for the import on the event loop)."""
        import importlib

        for name in provider_names:
            p = self._settings.provider(name)
            for module in _SDK_MODULES.get(p.kind, ()) if p else ():
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


# -- factories (lazy imports: each SDK is loaded only when first used) ------------------


def _openai_provider(p: ProviderSettings, key: str | None) -> Any:
    from pydantic_ai.providers.openai import OpenAIProvider

    base = p.base_url
    if p.kind == "xai" and not base:
        base = "https://api.x.ai/v1"  # xAI's OpenAI-compatible endpoint
    # Local servers accept any key; the SDK insists on one.
    return OpenAIProvider(base_url=base, api_key=key or "not-needed")


def _ollama_provider(p: ProviderSettings, key: str | None) -> Any:
    from pydantic_ai.providers.ollama import OllamaProvider

    base = (p.base_url or "http://localhost:11434").rstrip("/")
    if not base.endswith("/v1"):
        base += "/v1"
    return OllamaProvider(base_url=base, api_key=key)


def _anthropic_provider(p: ProviderSettings, key: str | None) -> Any:
    from pydantic_ai.providers.anthropic import AnthropicProvider

    return AnthropicProvider(api_key=key, base_url=p.base_url)


def _google_provider(p: ProviderSettings, key: str | None) -> Any:
    from pydantic_ai.providers.google import GoogleProvider

    return GoogleProvider(api_key=key, base_url=p.base_url)


def _openrouter_provider(p: ProviderSettings, key: str | None) -> Any:
    if p.base_url:
        return _openai_provider(p, key)
    from pydantic_ai.providers.openrouter import OpenRouterProvider

    return OpenRouterProvider(api_key=key, app_title="tabwise")


def _groq_provider(p: ProviderSettings, key: str | None) -> Any:
    from pydantic_ai.providers.groq import GroqProvider

    return GroqProvider(api_key=key, base_url=p.base_url)


def _mistral_provider(p: ProviderSettings, key: str | None) -> Any:
    from pydantic_ai.providers.mistral import MistralProvider

    return MistralProvider(api_key=key, base_url=p.base_url)


def _deepseek_provider(p: ProviderSettings, key: str | None) -> Any:
    if p.base_url:
        return _openai_provider(p, key)
    from pydantic_ai.providers.deepseek import DeepSeekProvider

    return DeepSeekProvider(api_key=key)


def _chat_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.profiles.openai import OpenAIModelProfile

    # A stream that ends with no finish_reason was cut (a dropped proxy, a dying server):
    # it must fail the turn, not be taken as a complete answer (DESIGN §5).
    return OpenAIChatModel(model, provider=prov,
                           profile=OpenAIModelProfile(
                               openai_chat_streaming_requires_finish_reason=True))


def _openai_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    # OpenAI itself gets the Responses API; an OpenAI table pointed at another server
    # (a proxy) gets chat completions, which every compatible server speaks.
    if p.base_url:
        return _chat_model(p, model, prov)
    from pydantic_ai.models.openai import OpenAIResponsesModel

    return OpenAIResponsesModel(model, provider=prov)


def _anthropic_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    from pydantic_ai.models.anthropic import AnthropicModel

    return AnthropicModel(model, provider=prov)


def _google_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    from pydantic_ai.models.google import GoogleModel

    return GoogleModel(model, provider=prov)


def _openrouter_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    if p.base_url:
        return _chat_model(p, model, prov)
    from pydantic_ai.models.openrouter import OpenRouterModel

    return OpenRouterModel(model, provider=prov)


def _groq_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    from pydantic_ai.models.groq import GroqModel

    return GroqModel(model, provider=prov)


def _mistral_model(p: ProviderSettings, model: str, prov: Any) -> Any:
    from pydantic_ai.models.mistral import MistralModel

    return MistralModel(model, provider=prov)


_OPENAI_MODULES = ("pydantic_ai.providers.openai", "pydantic_ai.models.openai")
_SDK_MODULES: dict[str, tuple[str, ...]] = {
    "openai": _OPENAI_MODULES,
    "openai-compatible": _OPENAI_MODULES,
    "xai": _OPENAI_MODULES,
    "ollama": ("pydantic_ai.providers.ollama", "pydantic_ai.models.openai"),
    "deepseek": ("pydantic_ai.providers.deepseek", "pydantic_ai.models.openai"),
    "openrouter": ("pydantic_ai.providers.openrouter", "pydantic_ai.models.openrouter"),
    "anthropic": ("pydantic_ai.providers.anthropic", "pydantic_ai.models.anthropic"),
    "gemini": ("pydantic_ai.providers.google", "pydantic_ai.models.google"),
    "groq": ("pydantic_ai.providers.groq", "pydantic_ai.models.groq"),
    "mistral": ("pydantic_ai.providers.mistral", "pydantic_ai.models.mistral"),
}

_PROVIDER_FACTORIES: dict[str, Callable[[ProviderSettings, str | None], Any]] = {
    "openai": _openai_provider,
    "openai-compatible": _openai_provider,
    "xai": _openai_provider,
    "anthropic": _anthropic_provider,
    "gemini": _google_provider,
    "ollama": _ollama_provider,
    "openrouter": _openrouter_provider,
    "groq": _groq_provider,
    "mistral": _mistral_provider,
    "deepseek": _deepseek_provider,
}
_MODEL_FACTORIES: dict[str, Callable[[ProviderSettings, str, Any], Any]] = {
    "openai": _openai_model,
    "openai-compatible": _chat_model,
    "xai": _chat_model,
    "anthropic": _anthropic_model,
    "gemini": _google_model,
    "ollama": _chat_model,
    "openrouter": _openrouter_model,
    "groq": _groq_model,
    "mistral": _mistral_model,
    "deepseek": _chat_model,
}
