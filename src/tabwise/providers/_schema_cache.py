"""Tool schemas rewritten for a provider once, not at every request.

Before each request pydantic-ai rewrites every tool's JSON schema for the model's
provider (the profile's ``json_schema_transformer``: a deep copy and a walk per tool;
about 300 µs per request for tabwise's six built-in tools, measured in P13). The tools
are the same objects request after request, so :func:`reuse_schema_transforms` gives
a model a transformer that remembers its result per schema object (and ``strict``).

The cache holds the input schema it was computed from and checks identity, so an id
reused by another object after the first was freed can never hit; a tool source that
makes new schemas at every request (some MCP servers) only misses, and the cache is
bounded. Schemas are not mutated after they are built (pydantic-ai's transformers
work on their own deep copy), so the rewritten schema is shared between requests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from pydantic_ai.profiles import JsonSchemaTransformer

__all__ = ["cached_transformer", "reuse_schema_transforms"]

MAX_ENTRIES = 1024  # per transformer; tool sets that change all the time do not grow it

_Entry = tuple[dict[str, Any], dict[str, Any], bool]  # input, output, is_strict_compatible
_CACHED: dict[type[Any], type[Any]] = {}


def cached_transformer(base: type[JsonSchemaTransformer]) -> type[JsonSchemaTransformer]:
    """``base`` with its ``walk()`` result remembered per (schema object, ``strict``)."""
    if getattr(base, "_tabwise_cached", False):
        return base
    known = _CACHED.get(base)
    if known is not None:
        return known

    class Cached(base):  # type: ignore[valid-type,misc]
        _tabwise_cached: ClassVar[bool] = True
        _results: ClassVar[dict[tuple[int, bool | None], _Entry]] = {}

        def __init__(self, schema: dict[str, Any], *, strict: bool | None = None,
                     **kwargs: Any) -> None:
            hit = self._results.get((id(schema), strict)) if not kwargs else None
            self._hit = hit if hit is not None and hit[0] is schema else None
            if self._hit is not None:
                # Only what callers read after walk(): the transformer is not run.
                self.schema = schema
                self.strict = strict
                self.is_strict_compatible = self._hit[2]
                return
            self._cacheable = not kwargs
            super().__init__(schema, strict=strict, **kwargs)

        def walk(self) -> dict[str, Any]:
            if self._hit is not None:
                return self._hit[1]
            out: dict[str, Any] = super().walk()
            if self._cacheable:
                if len(self._results) >= MAX_ENTRIES:
                    self._results.clear()
                self._results[(id(self.schema), self.strict)] = (
                    self.schema, out, self.is_strict_compatible)
            return out

    Cached.__name__ = Cached.__qualname__ = f"Cached{base.__name__}"
    _CACHED[base] = Cached
    return Cached


def reuse_schema_transforms(model: Model) -> Model:
    """Make ``model`` rewrite each tool schema once (see the module docstring).

    The model's profile is resolved once per model object (a cached property), so the
    transformer is swapped in that one resolved profile; nothing else of it changes.
    """
    profile = model.profile
    transformer = profile.get("json_schema_transformer")
    if transformer is not None:
        profile["json_schema_transformer"] = cached_transformer(transformer)
    return model
