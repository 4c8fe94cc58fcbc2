"""Pricing and sums of usage (genai-prices' public API)."""

from __future__ import annotations

import pytest
from pydantic_ai.usage import RequestUsage

from tabwise.agent import ModelUsage, RequestCost, UsageLedger, usage_summary
from tabwise.agent._usage import price_usd
from tabwise.settings import ProviderSettings

USAGE = RequestUsage(input_tokens=1_000_000, output_tokens=1_000_000)


def test_built_in_provider_is_priced() -> None:
    cost = price_usd(ProviderSettings("openai", "openai"), "gpt-4.1-mini", USAGE)
    assert cost is not None and cost > 0


def test_compatible_server_is_priced_by_its_url() -> None:
    real = ProviderSettings("proxy", "openai-compatible", base_url="https://api.openai.com/v1")
    assert price_usd(real, "gpt-4.1-mini", USAGE) == price_usd(
        ProviderSettings("openai", "openai"), "gpt-4.1-mini", USAGE)


@pytest.mark.parametrize("provider", [
    ProviderSettings("local", "openai-compatible", base_url="http://127.0.0.1:8000/v1"),
    ProviderSettings("ollama", "ollama", base_url="http://localhost:11434"),
    ProviderSettings("openai", "openai"),
])
def test_unknown_price_is_none_never_zero(provider: ProviderSettings) -> None:
    model = "no-such-model-xyz" if provider.kind == "openai" else "qwen2.5-coder"
    assert price_usd(provider, model, USAGE) is None


def test_sums_keep_unknown_apart_from_zero() -> None:
    ledger = UsageLedger()
    ledger.add(RequestCost("openai", "gpt", 10, 5, 0.25))
    ledger.add(RequestCost("local", "m", 100, 50, None))
    ledger.add(RequestCost("openai", "gpt", 1, 1, 0.25))
    s = ledger.summary()
    assert (s.input_tokens, s.output_tokens, s.requests) == (111, 56, 3)
    assert s.cost_usd == 0.5 and s.unpriced_requests == 1
    by = {m.provider: m for m in s.by_model}
    assert by["local"].cost_usd is None and by["openai"].cost_usd == 0.5
    assert usage_summary([ModelUsage("local", "m", 1, 1, 1, None, 1)]).cost_usd is None
    assert usage_summary([]).cost_usd is None
