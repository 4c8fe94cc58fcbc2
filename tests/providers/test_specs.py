"""One ProviderSpec per kind: every table tabwise keeps about providers comes from it."""

from __future__ import annotations

import importlib
import typing

import pytest
from genai_prices import data_snapshot

from tabwise.providers import PROVIDER_SPECS, ProviderRegistry, ProviderSpec
from tabwise.providers._discovery import DISCOVERED_KINDS, listing_url
from tabwise.settings import BUILTIN_PROVIDERS, DEFAULT_KEY_VARS, ProviderSettings, parse_settings
from tabwise.settings._model import KINDS

SPECS = list(PROVIDER_SPECS.values())


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
