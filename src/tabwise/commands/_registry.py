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

import inspect
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


class _AiConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)
    provider: str
    model: str


def _build_model(name: str) -> type[pydantic.BaseModel]:
    fn = getattr(Tabwise, name)
    hints = typing.get_type_hints(fn)
    fields: dict[str, Any] = {}
    for pname, param in inspect.signature(fn).parameters.items():
        if pname == "self":
            continue
        ann = hints.get(pname, Any)
        if pname in ("ai_config", "config"):
            ann = _AiConfig | None if param.default is None else _AiConfig
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[pname] = (ann, default)
    config = pydantic.ConfigDict(extra="forbid", strict=True)
    return pydantic.create_model(f"{name}_params", __config__=config, **fields)


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
    kwargs = {k: getattr(validated, k) for k in type(validated).model_fields}
    kwargs = {k: v.model_dump() if isinstance(v, pydantic.BaseModel) else v
              for k, v in kwargs.items()}
    fn: Callable[..., Awaitable[Any]] = getattr(core, name)
    result = await fn(**kwargs)
    if core.archive is not None:
        await core.archive.durable()
    return result
