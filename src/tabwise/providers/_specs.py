"""One :class:`ProviderSpec` per provider kind: everything tabwise knows about a kind.

Adding a provider is one entry in :data:`PROVIDER_SPECS` (and its test): settings take
the built-in names, kinds and key variables from here, the first-run settings template
lists it, the registry builds the pydantic-ai provider and model with the spec's
functions, the catalog lists its known models, genai-prices prices it and knows its
windows by the spec's ids, and model discovery asks a local server for what it serves
when the spec says how. :class:`ProviderSpec` says which files a new provider touches.

This module imports nothing of tabwise at run time (settings import it) and no SDK:
each builder imports its pydantic-ai classes when it is first called.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from pydantic_ai.providers import Provider

    from ..settings import ProviderSettings

__all__ = ["PROVIDER_SPECS", "ProviderSpec", "spec_for"]

ProviderFactory = Callable[["ProviderSettings", "str | None"], "Provider[object]"]
ModelFactory = Callable[["ProviderSettings", str, "Provider[object]"], "Model"]


@dataclass(frozen=True, slots=True)
class ProviderSpec:
    """What one provider kind is and how its pydantic-ai model is made.

    Adding a provider kind touches:

    1. this module: its builders (often an existing pair does: an OpenAI-compatible
       vendor is ``_openai_provider`` + ``_chat_model`` with a ``default_base_url``) and
       one ``ProviderSpec`` in ``_SPECS``;
    2. ``tests/providers/test_specs.py``: its row in ``EXPECTED`` (the model class its
       ``example_model`` is built as and where requests go). Every other test of
       providers, settings and the template loops over :data:`PROVIDER_SPECS`, and a
       test fails until the row exists;
    3. ``pyproject.toml``, only if its SDK is new: the pydantic-ai extra
       (``pydantic-ai-slim[...]``), then ``uv lock``;

    and, for users, its name in README's list of built-in providers (a test checks the
    list is complete) and a CHANGELOG line. No other code names providers: settings'
    built-in names, kinds and key variables, the first-run settings template, the
    catalog, prices, windows, discovery, ``tabwise models`` and the test fixture that
    clears provider keys all read these specs.
    """

    kind: str
    """The kind's name in settings (``kind = ...``), the archive, the API and the UI."""
    provider: ProviderFactory
    """Builds the pydantic-ai ``Provider`` (one HTTP client) from settings and the key."""
    model: ModelFactory
    """Builds the pydantic-ai ``Model`` for a model name on a provider."""
    sdk_modules: tuple[str, ...]
    """What to import ahead of the first request (off the event loop)."""
    _: KW_ONLY
    title: str
    """Who it is, in a few words, for the settings template ("Anthropic (Claude)")."""
    example_model: str
    """A model name it serves, shown in the template and built by the tests."""
    key_var: str | None = None
    """The environment variable read when settings name no key."""
    needs_key: bool = True
    """False for local servers, which work without one."""
    builtin: bool = True
    """A built-in name: usable without a settings table (else a ``kind`` only)."""
    default_base_url: str | None = None
    """Where the provider is when settings give no ``base_url`` (None: the SDK knows)."""
    price_id: str | None = None
    """genai-prices' provider id, for prices and context windows."""
    price_by_url: bool = False
    """Price by ``base_url`` (a compatible server may be a real vendor, or local)."""
    window_id: str | None = None
    """genai-prices id for context windows when it differs from ``price_id``."""
    known_models: str | None = None
    """The prefix of pydantic-ai's ``KnownModelName`` entries for this kind."""
    extra_models: tuple[str, ...] = ()
    """Useful picks pydantic-ai keeps no list of."""
    discovery: Literal["ollama", "openai"] | None = None
    """How a local server lists what it serves: ``GET /api/tags`` or ``GET {base}/models``."""

    @property
    def window_lookup_id(self) -> str | None:
        return self.window_id or self.price_id


# -- builders (lazy imports: each SDK is loaded only when first used) -------------------


def _openai_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    from pydantic_ai.providers.openai import OpenAIProvider

    base = p.base_url or spec_for(p.kind).default_base_url
    # Local servers accept any key; the SDK insists on one.
    return OpenAIProvider(base_url=base, api_key=key or "not-needed")  # type: ignore[return-value]


def _ollama_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    from pydantic_ai.providers.ollama import OllamaProvider

    base = (p.base_url or OLLAMA_DEFAULT).rstrip("/")
    if not base.endswith("/v1"):
        base += "/v1"
    return OllamaProvider(base_url=base, api_key=key)  # type: ignore[return-value]


def _anthropic_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    from pydantic_ai.providers.anthropic import AnthropicProvider

    return AnthropicProvider(api_key=key, base_url=p.base_url)  # type: ignore[return-value]


def _google_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    from pydantic_ai.providers.google import GoogleProvider

    return GoogleProvider(api_key=key, base_url=p.base_url)  # type: ignore[return-value]


def _openrouter_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    if p.base_url:
        return _openai_provider(p, key)
    from pydantic_ai.providers.openrouter import OpenRouterProvider

    return OpenRouterProvider(api_key=key, app_title="tabwise")  # type: ignore[return-value]


def _groq_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    from pydantic_ai.providers.groq import GroqProvider

    return GroqProvider(api_key=key, base_url=p.base_url)  # type: ignore[return-value]


def _mistral_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    from pydantic_ai.providers.mistral import MistralProvider

    return MistralProvider(api_key=key, base_url=p.base_url)  # type: ignore[return-value]


def _deepseek_provider(p: ProviderSettings, key: str | None) -> Provider[object]:
    if p.base_url:
        return _openai_provider(p, key)
    from pydantic_ai.providers.deepseek import DeepSeekProvider

    return DeepSeekProvider(api_key=key)  # type: ignore[return-value]


def _chat_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.profiles.openai import OpenAIModelProfile

    # A stream that ends with no finish_reason was cut (a dropped proxy, a dying server):
    # it must fail the turn, not be taken as a complete answer (DESIGN §5; main's h10b).
    return OpenAIChatModel(model, provider=prov,  # type: ignore[arg-type]
                           profile=OpenAIModelProfile(
                               openai_chat_streaming_requires_finish_reason=True))


def _openai_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    # OpenAI itself gets the Responses API; an OpenAI table pointed at another server
    # (a proxy) gets chat completions, which every compatible server speaks.
    if p.base_url:
        return _chat_model(p, model, prov)
    from pydantic_ai.models.openai import OpenAIResponsesModel

    return OpenAIResponsesModel(model, provider=prov)  # type: ignore[arg-type]


def _anthropic_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    from pydantic_ai.models.anthropic import AnthropicModel

    return AnthropicModel(model, provider=prov)  # type: ignore[arg-type]


def _google_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    from pydantic_ai.models.google import GoogleModel

    return GoogleModel(model, provider=prov)  # type: ignore[arg-type]


def _openrouter_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    if p.base_url:
        return _chat_model(p, model, prov)
    from pydantic_ai.models.openrouter import OpenRouterModel

    return OpenRouterModel(model, provider=prov)  # type: ignore[arg-type]


def _groq_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    from pydantic_ai.models.groq import GroqModel

    return GroqModel(model, provider=prov)  # type: ignore[arg-type]


def _mistral_model(p: ProviderSettings, model: str, prov: Provider[object]) -> Model:
    from pydantic_ai.models.mistral import MistralModel

    return MistralModel(model, provider=prov)  # type: ignore[arg-type]


OLLAMA_DEFAULT = "http://localhost:11434"
_OPENAI = ("pydantic_ai.providers.openai", "pydantic_ai.models.openai")


def _sdk(name: str, model_module: str = "openai") -> tuple[str, ...]:
    return (f"pydantic_ai.providers.{name}", f"pydantic_ai.models.{model_module}")


_SPECS = (
    ProviderSpec("openai", _openai_provider, _openai_model, _OPENAI,
                 title="OpenAI (Responses API)", example_model="gpt-4.1-mini",
                 key_var="OPENAI_API_KEY", price_id="openai", known_models="openai",
                 extra_models=("gpt-4.1", "gpt-4.1-mini")),
    ProviderSpec("anthropic", _anthropic_provider, _anthropic_model, _sdk("anthropic", "anthropic"),
                 title="Anthropic (Claude)", example_model="claude-sonnet-4-6",
                 key_var="ANTHROPIC_API_KEY", price_id="anthropic", known_models="anthropic"),
    ProviderSpec("gemini", _google_provider, _google_model, _sdk("google", "google"),
                 title="Google Gemini", example_model="gemini-3.1-flash-lite",
                 key_var="GEMINI_API_KEY", price_id="google", known_models="google"),
    ProviderSpec("ollama", _ollama_provider, _chat_model, _sdk("ollama"),
                 title="Ollama (a local server)", example_model="llama3.2",
                 needs_key=False, default_base_url=OLLAMA_DEFAULT, discovery="ollama"),
    ProviderSpec("openrouter", _openrouter_provider, _openrouter_model,
                 _sdk("openrouter", "openrouter"),
                 title="OpenRouter (vendor/model)", example_model="openai/gpt-4.1-mini",
                 key_var="OPENROUTER_API_KEY", price_id="openrouter",
                 extra_models=("openai/gpt-4.1-mini", "anthropic/claude-sonnet-4.5",
                               "google/gemini-2.5-flash")),
    ProviderSpec("groq", _groq_provider, _groq_model, _sdk("groq", "groq"),
                 title="Groq", example_model="openai/gpt-oss-20b",
                 key_var="GROQ_API_KEY", price_id="groq", known_models="groq"),
    ProviderSpec("mistral", _mistral_provider, _mistral_model, _sdk("mistral", "mistral"),
                 title="Mistral AI", example_model="mistral-small-latest",
                 key_var="MISTRAL_API_KEY", price_id="mistral", known_models="mistral"),
    # xAI speaks the OpenAI API at its own address.
    ProviderSpec("xai", _openai_provider, _chat_model, _OPENAI,
                 title="xAI (Grok)", example_model="grok-4.3", key_var="XAI_API_KEY",
                 default_base_url="https://api.x.ai/v1", price_id="x-ai", known_models="xai"),
    ProviderSpec("deepseek", _deepseek_provider, _chat_model, _sdk("deepseek"),
                 title="DeepSeek", example_model="deepseek-flash",
                 key_var="DEEPSEEK_API_KEY", price_id="deepseek", known_models="deepseek"),
    # Any chat-completions server at base_url: a kind only, never a built-in name. It is
    # priced by its URL (a local one matches nothing), and its windows fall back to
    # OpenAI's (such servers mostly serve OpenAI-named or open models).
    ProviderSpec("openai-compatible", _openai_provider, _chat_model, _OPENAI,
                 title="a chat-completions API at base_url", example_model="qwen2.5-coder",
                 needs_key=False, builtin=False, price_by_url=True, window_id="openai",
                 discovery="openai"),
)

PROVIDER_SPECS: Mapping[str, ProviderSpec] = MappingProxyType({s.kind: s for s in _SPECS})
"""Every provider kind, built-in names first in the order settings list them."""


def spec_for(kind: str) -> ProviderSpec:
    """The spec of ``kind`` (settings validate kinds, so it exists)."""
    return PROVIDER_SPECS[kind]
