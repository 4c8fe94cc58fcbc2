"""Prices and context windows from genai-prices' public API, by each kind's spec.

``genai_prices.calc_price`` prices a request; the data snapshot
(``genai_prices.data_snapshot``) knows each model's context window, looked up by name
so that no provider SDK has to be imported to know it.
"""

from __future__ import annotations

import functools
import logging
from typing import TYPE_CHECKING

from ._specs import PROVIDER_SPECS

if TYPE_CHECKING:
    from pydantic_ai.usage import RequestUsage

    from ..settings import ProviderSettings

__all__ = ["known_window", "load_prices", "price_usd", "prices_loaded"]

log = logging.getLogger("tabwise.usage")

# (kind, base_url, model) genai-prices has no price for: a failed lookup scans every
# provider's patterns (~2 ms), too slow to repeat after each request of a local model.
_UNPRICED: set[tuple[str, str | None, str]] = set()
_loaded = False


def load_prices() -> None:
    """Load genai-prices' data (~30 ms): call it in a thread, not on the event loop."""
    global _loaded
    from genai_prices import data_snapshot

    data_snapshot.get_snapshot()
    _loaded = True


def prices_loaded() -> bool:
    return _loaded


def price_usd(provider: ProviderSettings, model: str, usage: RequestUsage) -> float | None:
    """The price in USD of one request, or None when genai-prices does not know it."""
    from genai_prices import calc_price

    kind = provider.kind
    key = (kind, provider.base_url, model)
    if key in _UNPRICED:
        return None
    spec = PROVIDER_SPECS.get(kind)
    try:
        if spec is not None and spec.price_id:
            calc = calc_price(usage, model, provider_id=spec.price_id)
        elif spec is not None and spec.price_by_url and provider.base_url:
            calc = calc_price(usage, model, provider_api_url=provider.base_url)
        else:
            return None
    except LookupError:
        _UNPRICED.add(key)
        return None
    except Exception as exc:  # price data is informative; never fail a turn over it
        log.warning("pricing %s/%s failed: %s", provider.name, model, exc)
        return None
    return float(calc.total_price)


@functools.cache
def known_window(kind: str, base_url: str | None, model: str) -> int | None:
    """The window genai-prices records for ``model`` (what pydantic-ai's profiles use):
    matched by the server's URL first, then by the kind's genai-prices id."""
    from genai_prices import data_snapshot

    spec = PROVIDER_SPECS.get(kind)
    provider_id = spec.window_lookup_id if spec else None
    snapshot = data_snapshot.get_snapshot()
    for ref_id, ref_url in ((None, base_url), (provider_id, None)):
        if not (ref_id or ref_url):
            continue
        try:
            _, info = snapshot.find_provider_model(model, provider=None, provider_id=ref_id,
                                                   provider_api_url=ref_url)
        except LookupError:
            continue
        except Exception:  # price data is a nicety; the catalog default applies
            return None
        return info.context_window
    return None
