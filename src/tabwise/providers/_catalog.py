"""The model catalog: which models each provider offers and how large their windows are."""

from __future__ import annotations

import functools
import typing

from ..settings import ProviderSettings
from ._specs import spec_for

__all__ = ["DEFAULT_CONTEXT_WINDOW", "catalog_models", "context_window"]

# Used when neither settings nor pydantic-ai's profile data know the model: small enough
# that compaction kicks in before a real small-window model would reject the request.
DEFAULT_CONTEXT_WINDOW = 32_768



@functools.cache
def _known() -> dict[str, tuple[str, ...]]:
    from pydantic_ai.models import KnownModelName

    by_prefix: dict[str, list[str]] = {}
    for full in typing.get_args(KnownModelName.__value__):
        prefix, _, name = str(full).partition(":")
        by_prefix.setdefault(prefix, []).append(name)
    return {k: tuple(v) for k, v in by_prefix.items()}


def catalog_models(p: ProviderSettings) -> list[str]:
    """Models offered for ``p``: settings' ``models`` first, then the known ones (the
    spec's pydantic-ai prefix and extra picks; a local server's are discovered instead)."""
    seen: dict[str, None] = dict.fromkeys(p.models)
    spec = spec_for(p.kind)
    if spec.known_models:
        seen.update(dict.fromkeys(_known().get(spec.known_models, ())))
    seen.update(dict.fromkeys(spec.extra_models))
    return list(seen)


def context_window(p: ProviderSettings, model: str, profile_window: int | None) -> int:
    """Settings' ``context_windows`` win, then the model profile, then the default."""
    if model in p.context_windows:
        return p.context_windows[model]
    return profile_window or DEFAULT_CONTEXT_WINDOW
