"""Command names, their parameter schemas, and one way to call them with JSON params.

The server (and any other front end that receives JSON) calls :func:`call_command`;
parameters are validated with pydantic models derived from each command's signature,
so wrong types or unknown keys are ``invalid_params`` errors, never crashes.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Awaitable, Callable
from typing import Any

import pydantic

from ..errors import InvalidParams
from ._core import Tabwise

__all__ = ["COMMANDS", "call_command"]

COMMANDS: tuple[str, ...] = (
    "create_session", "close_session", "list_sessions", "restore_session", "rename_session",
    "reorder_sessions", "delete_session", "export_session", "pty_write", "pty_read",
    "pty_resize", "restart_terminal",
    "init_ai_session", "shutdown_ai_session", "is_ai_session_initialized",
    "get_session_ai_config", "send_ai_prompt", "cancel_ai_prompt", "clear_ai_conversation",
    "get_ai_conversation_length", "get_pending_approvals", "respond_to_tool_approval",
    "get_context_usage", "compact_context", "get_default_ai_config", "list_providers",
    "get_session_usage",
    "get_settings", "reload_settings",
    "fork_session", "compare_prompt",
)


class _AiConfig(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", strict=True)
    provider: str
    model: str


def _build_model(name: str) -> type[pydantic.BaseModel] | None:
    fn = getattr(Tabwise, name, None)
    if fn is None:
        return None
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


_MODELS: dict[str, type[pydantic.BaseModel] | None] = {n: _build_model(n) for n in COMMANDS}


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


async def call_command(core: Tabwise, name: str, params: dict[str, Any] | None) -> Any:
    """Validate ``params`` for command ``name`` and run it."""
    model = _MODELS.get(name)
    if name not in COMMANDS or model is None:
        raise LookupError(name)
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise InvalidParams("params must be a JSON object with named parameters.")
    try:
        validated = model.model_validate(params)
    except pydantic.ValidationError as exc:
        raise InvalidParams(f"Invalid params for {name}: {_explain(exc)}.") from exc
    kwargs = {k: getattr(validated, k) for k in type(validated).model_fields}
    kwargs = {k: v.model_dump() if isinstance(v, pydantic.BaseModel) else v
              for k, v in kwargs.items()}
    fn: Callable[..., Awaitable[Any]] = getattr(core, name)
    return await fn(**kwargs)
