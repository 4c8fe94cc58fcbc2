"""Token usage and cost of a tab over its whole life (DESIGN §4 ``get_session_usage``).

Every model request a tab makes (turn steps, tool loops, compaction summaries) is
metered by :class:`UsageMeter`, a capability passed to each run, and priced with
genai-prices' public :func:`genai_prices.calc_price` (``providers/_prices.py``, by
each kind's :class:`~tabwise.providers.ProviderSpec`). A :class:`UsageLedger` sums the
requests per provider/model; the archive keeps the same sums, so a restored tab goes
on counting from where it was.

A request whose price genai-prices does not know (a local or custom model) has no cost:
it is counted in ``unpriced_requests`` and never as $0. A sum is ``None`` only when none
of its requests was priced.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.capabilities import AbstractCapability
from pydantic_ai.messages import ModelResponse
from pydantic_ai.models import ModelRequestContext

from ..api import Usage, UsageByModel
from ..providers._prices import load_prices, price_usd, prices_loaded
from ..settings import ProviderSettings

__all__ = ["ModelUsage", "RequestCost", "UsageLedger", "UsageMeter", "price_usd",
           "usage_summary"]


@dataclass(frozen=True, slots=True)
class RequestCost:
    """One metered model request."""

    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float | None


@dataclass(frozen=True, slots=True)
class ModelUsage:
    """The sums of one provider/model in one session (also an archive row)."""

    provider: str
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    requests: int = 0
    cost_usd: float | None = None
    unpriced_requests: int = 0

    def plus(self, r: RequestCost) -> ModelUsage:
        cost = self.cost_usd
        if r.cost_usd is not None:
            cost = (cost or 0.0) + r.cost_usd
        return ModelUsage(self.provider, self.model, self.input_tokens + r.input_tokens,
                          self.output_tokens + r.output_tokens, self.requests + 1, cost,
                          self.unpriced_requests + (r.cost_usd is None))

    def info(self) -> UsageByModel:
        """These sums as the contract type (cost rounded)."""
        return UsageByModel(self.provider, self.model, self.input_tokens, self.output_tokens,
                            self.requests, _round(self.cost_usd), self.unpriced_requests)


def _round(cost: float | None) -> float | None:
    return None if cost is None else round(cost, 8)


def usage_summary(models: Iterable[ModelUsage]) -> Usage:
    """The ``get_session_usage`` result for these per-model sums."""
    by_model = sorted(models, key=lambda m: (m.provider, m.model))
    priced = [m.cost_usd for m in by_model if m.cost_usd is not None]
    return Usage(
        input_tokens=sum(m.input_tokens for m in by_model),
        output_tokens=sum(m.output_tokens for m in by_model),
        requests=sum(m.requests for m in by_model),
        cost_usd=_round(sum(priced)) if priced else None,
        unpriced_requests=sum(m.unpriced_requests for m in by_model),
        by_model=tuple(m.info() for m in by_model),
    )


@dataclass(slots=True)
class UsageLedger:
    """A session's usage so far, per provider/model."""

    models: dict[tuple[str, str], ModelUsage] = field(default_factory=dict)

    def seed(self, rows: Iterable[ModelUsage]) -> None:
        """Start from what the archive kept (a restored tab)."""
        for row in rows:
            self.models[(row.provider, row.model)] = row

    def add(self, r: RequestCost) -> None:
        key = (r.provider, r.model)
        self.models[key] = self.models.get(key, ModelUsage(r.provider, r.model)).plus(r)

    def summary(self) -> Usage:
        return usage_summary(self.models.values())


@dataclass(slots=True)
class TurnCost:
    """What one turn spent (its ``completed`` event carries ``cost_usd``)."""

    cost_usd: float | None = None

    def add(self, r: RequestCost) -> None:
        if r.cost_usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + r.cost_usd

    @property
    def rounded(self) -> float | None:
        return _round(self.cost_usd)


@dataclass
class UsageMeter(AbstractCapability[Any]):
    """Meters every model response of one run (turn or compaction) for a tab.

    ``provider``/``model`` are the tab's names (the ones settings and the archive use);
    the price is looked up by the model name the provider reported, else the
    configured one.
    """

    provider: ProviderSettings
    model: str
    record: Callable[[RequestCost], None]

    async def after_model_request(self, ctx: RunContext[Any], *,
                                  request_context: ModelRequestContext,
                                  response: ModelResponse) -> ModelResponse:
        if not prices_loaded():
            await asyncio.to_thread(load_prices)
        usage = response.usage
        cost = price_usd(self.provider, response.model_name or self.model, usage)
        if cost is None and response.model_name and response.model_name != self.model:
            cost = price_usd(self.provider, self.model, usage)
        self.record(RequestCost(self.provider.name, self.model, usage.input_tokens,
                                usage.output_tokens, cost))
        return response

    @classmethod
    def get_serialization_name(cls) -> str | None:
        return None  # holds a live callback: not part of any agent spec
