"""Providers: pydantic-ai models for every provider name, and the model catalog."""

from ._catalog import DEFAULT_CONTEXT_WINDOW, catalog_models, context_window
from ._registry import BuiltModel, ProviderRegistry, ProviderStatus

__all__ = [
    "DEFAULT_CONTEXT_WINDOW",
    "BuiltModel",
    "ProviderRegistry",
    "ProviderStatus",
    "catalog_models",
    "context_window",
]
