"""Command names, their parameter schemas, and one way to call them with JSON params.

The server (and any other front end that receives JSON) calls :func:`call_command`.
This is the edge: an unknown name is ``method_not_found`` before anything runs; params
are checked once here (:func:`check_params`: an object, not nested absurdly deep, every
string storable as UTF-8) and validated with pydantic models derived from each
command's signature, so wrong types or unknown keys are ``invalid_params`` errors, never
crashes, and the commands themselves need not check types again. The reply waits until
what the command changed is committed to the archive (DESIGN §4: a kill -9 after the
reply loses none of it).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import operator
import types
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic

from ..errors import InvalidParams, MethodNotFound
from ._command import commands_of
from ._core import Tabwise

__all__ = ["COMMANDS", "MAX_PARAM_DEPTH", "call_command", "check_params"]

# No command takes params nested deeper than a few levels; deeper is an attack.
MAX_PARAM_DEPTH = 32

# Every method of Tabwise marked @command, in the order its mixins define them.
COMMANDS: tuple[str, ...] = commands_of(Tabwise)


_STRICT = pydantic.ConfigDict(extra="forbid", strict=True)

# The pydantic model that validates JSON for each contract dataclass a command takes
# (``AiConfig``): strict pydantic wants an instance of a plain dataclass, not an object.
_EDGE_MODELS: dict[type, type[pydantic.BaseModel]] = {}


def _edge_model(cls: type) -> type[pydantic.BaseModel]:
    model = _EDGE_MODELS.get(cls)
    if model is None:
        hints = typing.get_type_hints(cls)
        fields: dict[str, Any] = {
            f.name: (_edge_type(hints[f.name]),
                     ... if f.default is dataclasses.MISSING else f.default)
            for f in dataclasses.fields(cls)}
        model = pydantic.create_model(cls.__name__, __config__=_STRICT, **fields)
        _EDGE_MODELS[cls] = model
    return model


def _edge_type(ann: Any) -> Any:
    """``ann`` with every contract dataclass in it replaced by its pydantic model."""
    if isinstance(ann, type) and dataclasses.is_dataclass(ann):
        return _edge_model(ann)
    args = typing.get_args(ann)
    if not args:
        return ann
    new = tuple(_edge_type(a) for a in args)
    if new == args:
        return ann
    origin = typing.get_origin(ann)
    if origin is types.UnionType or origin is typing.Union:
        return functools.reduce(operator.or_, new)
    return types.GenericAlias(origin, new)  # list[...], dict[...], tuple[...]


def _from_edge(value: Any) -> Any:
    """A validated value with every edge model turned back into its dataclass."""
    if isinstance(value, pydantic.BaseModel):
        cls = next(c for c, m in _EDGE_MODELS.items() if isinstance(value, m))
        return cls(**{k: _from_edge(getattr(value, k)) for k in type(value).model_fields})
    if isinstance(value, list):
        return [_from_edge(v) for v in value]
    return value


def _build_model(name: str) -> type[pydantic.BaseModel]:
    fn = getattr(Tabwise, name)
    hints = typing.get_type_hints(fn)
    fields: dict[str, Any] = {}
    for pname, param in inspect.signature(fn).parameters.items():
        if pname == "self":
            continue
        ann = _edge_type(hints.get(pname, Any))
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[pname] = (ann, default)
    return pydantic.create_model(f"{name}_params", __config__=_STRICT, **fields)


_MODELS: dict[str, type[pydantic.BaseModel]] = {n: _build_model(n) for n in COMMANDS}


def _explain(exc: pydantic.ValidationError) -> str:
    parts = []
    for err in exc.errors()[:5]:
        where = ".".join(str(x) for x in err["loc"]) or "params"
        if err["type"] == "missing":
            parts.append(f"`{where}` is required")
        elif err["type"] == "extra_forbidden":
            parts.append(f"`{where}` is not a parameter of this method")
        else:
            parts.append(f"`{where}`: {err['msg']}")
    return "; ".join(parts)


def _where(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "params"


def check_params(name: str, params: Any) -> dict[str, Any]:
    """``params`` as a dict, or :class:`InvalidParams` if it is not an object, nests
    deeper than :data:`MAX_PARAM_DEPTH`, or holds a string (value or key) that cannot be
    stored as UTF-8, such as a lone surrogate. Iterative: no input can exhaust the stack.
    """
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InvalidParams(f"params of {name} must be a JSON object with named parameters.")
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(params, ())]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_PARAM_DEPTH:
            raise InvalidParams(f"Invalid params for {name}: `{_where(path[:3])}...` nests "
                                f"deeper than {MAX_PARAM_DEPTH} levels.")
        if isinstance(value, str):
            _check_text(name, value, path)
        elif isinstance(value, dict):
            for key, item in value.items():
                _check_text(name, key, (*path, "<key>"))
                stack.append((item, (*path, key)))
        elif isinstance(value, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(value))
    return params


def _check_text(name: str, text: str, path: tuple[str | int, ...]) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        where = _where(path)
        if len(where) > 80:
            where = where[:80] + "..."
        raise InvalidParams(
            f"Invalid params for {name}: `{where}` holds a character that cannot be stored "
            f"as UTF-8 ({text[exc.start]!a} at position {exc.start}, a lone surrogate); "
            "send valid Unicode text.") from None


async def call_command(core: Tabwise, name: str, params: dict[str, Any] | None) -> Any:
    """Validate ``params`` for command ``name``, run it, and return once what it changed
    is durable in the archive.

    Raises :class:`MethodNotFound` for a name that is not a command and
    :class:`InvalidParams` for bad params; errors the command raises pass through.
    """
    model = _MODELS.get(name)
    if model is None:
        raise MethodNotFound(name)
    checked = check_params(name, params)
    try:
        validated = model.model_validate(checked)
    except pydantic.ValidationError as exc:
        raise InvalidParams(f"Invalid params for {name}: {_explain(exc)}.") from exc
    kwargs = {k: _from_edge(getattr(validated, k)) for k in type(validated).model_fields}
    fn: Callable[..., Awaitable[Any]] = getattr(core, name)
    result = await fn(**kwargs)
    if core.archive is not None:
        await core.archive.durable()
    return result
