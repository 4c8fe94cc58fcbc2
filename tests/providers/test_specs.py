"""One ProviderSpec per kind: every table tabwise keeps about providers comes from it."""

from __future__ import annotations

import importlib
import typing
from pathlib import Path

import pytest
from genai_prices import data_snapshot

from tabwise.providers import PROVIDER_SPECS, ProviderRegistry, ProviderSpec
from tabwise.providers._discovery import DISCOVERED_KINDS, listing_url
from tabwise.settings import BUILTIN_PROVIDERS, DEFAULT_KEY_VARS, ProviderSettings, parse_settings
from tabwise.settings._model import KINDS

SPECS = list(PROVIDER_SPECS.values())

# A provider's own test: one row per kind, what its example model is built as and where
# its requests go. Every other test loops over PROVIDER_SPECS; adding a kind adds its
# row here (test_every_kind_has_its_row fails until it does).
EXPECTED: dict[str, tuple[str, str]] = {
    "openai": ("OpenAIResponsesModel", "https://api.openai.com/v1/"),
    "anthropic": ("AnthropicModel", "https://api.anthropic.com"),
    "gemini": ("GoogleModel", "https://generativelanguage.googleapis.com/"),
    "ollama": ("OpenAIChatModel", "http://localhost:11434/v1/"),
    "openrouter": ("OpenRouterModel", "https://openrouter.ai/api/v1/"),
    "groq": ("GroqModel", "https://api.groq.com"),
    "mistral": ("MistralModel", "https://api.mistral.ai"),
    "xai": ("OpenAIChatModel", "https://api.x.ai/v1/"),
    "deepseek": ("OpenAIChatModel", "https://api.deepseek.com"),
    "openai-compatible": ("OpenAIChatModel", "http://127.0.0.1:9/v1/"),
}


def test_every_kind_has_its_row() -> None:
    assert set(EXPECTED) == set(PROVIDER_SPECS), "add the new kind's row to EXPECTED"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_each_kind_builds_its_example_model(spec: ProviderSpec,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """With only its key set (a built-in needs no table; a custom kind only a
    ``base_url``): the kind's model class, at its address."""
    model_class, base_url = EXPECTED[spec.kind]
    if spec.key_var:
        monkeypatch.setenv(spec.key_var, "test-key-12345")
    ai: dict[str, object] = {}
    if not spec.builtin:
        ai["p"] = {"kind": spec.kind, "base_url": "http://127.0.0.1:9/v1"}
    name = spec.kind if spec.builtin else "p"
    built = ProviderRegistry(parse_settings({"ai": ai})).build(name, spec.example_model)
    assert type(built.model).__name__ == model_class
    assert str(built.model.base_url) == base_url
    assert built.model.model_name == spec.example_model
    assert spec.title and spec.title.strip() == spec.title


def test_settings_vocabulary_is_the_specs() -> None:
    assert tuple(PROVIDER_SPECS) == KINDS
    assert tuple(s.kind for s in SPECS if s.builtin) == BUILTIN_PROVIDERS
    assert "openai-compatible" in KINDS and "openai-compatible" not in BUILTIN_PROVIDERS
    assert dict(DEFAULT_KEY_VARS) == {s.kind: s.key_var for s in SPECS}
    assert {"ollama", "openai-compatible"} == DISCOVERED_KINDS
    for spec in SPECS:
        assert ProviderSettings("x", spec.kind).needs_key == spec.needs_key
        assert spec.needs_key == (spec.key_var is not None)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_spec_ids_exist_in_genai_prices_and_pydantic_ai(spec: ProviderSpec) -> None:
    snapshot = data_snapshot.get_snapshot()
    ids = {p.id for p in snapshot.providers}
    for pid in (spec.price_id, spec.window_id):
        assert pid is None or pid in ids, f"{spec.kind}: {pid!r} is no genai-prices id"
    if spec.known_models:
        from pydantic_ai.models import KnownModelName

        prefixes = {str(n).partition(":")[0] for n in typing.get_args(KnownModelName.__value__)}
        assert spec.known_models in prefixes
    for module in spec.sdk_modules:
        importlib.import_module(module)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.kind)
def test_every_kind_builds_its_model_from_its_spec(spec: ProviderSpec,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if spec.key_var:
        monkeypatch.setenv(spec.key_var, "test-key-12345")
    table: dict[str, object] = {"kind": spec.kind}
    if spec.key_var:
        table["api_key"] = f"${spec.key_var}"
    if not spec.builtin:
        table["base_url"] = "http://127.0.0.1:9/v1"
    reg = ProviderRegistry(parse_settings({"ai": {"p": table}}))
    assert reg.status("p").configured
    name = "vendor/some-model"  # OpenRouter wants vendor/model; others take any name
    built = reg.build("p", name)
    model = built.model
    assert model.model_name == name
    if spec.default_base_url and spec.kind == "xai":
        assert str(model.base_url).startswith(spec.default_base_url)
    assert built.context_window > 0


def test_windows_and_prices_follow_the_spec_ids() -> None:
    reg = ProviderRegistry(parse_settings({"ai": {"local": {
        "kind": "openai-compatible", "base_url": "http://127.0.0.1:9/v1"}}}))
    # A compatible server's windows fall back to OpenAI's (window_id), prices do not.
    assert reg.build("local", "gpt-4.1-mini").context_window == 1_000_000
    assert reg.build("ollama", "gpt-4.1-mini").context_window == 32_768
    ollama = reg.provider_settings("ollama")
    assert listing_url(ollama) == "http://localhost:11434/api/tags"


def test_readme_names_every_builtin_provider() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    listed = readme[readme.index("Built-in providers:"):][:600]
    for spec in SPECS:
        if spec.builtin:
            assert f"`{spec.kind}`" in listed, f"README's built-in providers lack {spec.kind}"
