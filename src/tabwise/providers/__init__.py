"""Providers: pydantic-ai models for every provider name, and the model catalog.

One :class:`ProviderSpec` per kind (``_specs.py``) says everything about a provider;
adding one is one entry there. Settings import the specs, so this front door loads the
rest lazily: importing ``tabwise.providers._specs`` must not import settings back.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._specs import PROVIDER_SPECS, ProviderSpec, spec_for

if TYPE_CHECKING:
    from ._catalog import DEFAULT_CONTEXT_WINDOW, catalog_models, context_window
    from ._registry import BuiltModel, ProviderRegistry

__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "PROVIDER_SPECS",
    "BuiltModel",
    "ProviderRegistry",
    "ProviderSpec",
    "catalog_models",
    "context_window",
    "spec_for",
]

_LAZY = {"DEFAULT_CONTEXT_WINDOW": "_catalog", "catalog_models": "_catalog",
         "context_window": "_catalog", "BuiltModel": "_registry",
         "ProviderRegistry": "_registry"}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
