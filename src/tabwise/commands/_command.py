"""The ``@command`` mark: which methods of :class:`~tabwise.commands.Tabwise` are the API.

A command is a public coroutine method marked with :func:`command`; its name is the
method name of DESIGN §4 and its signature is its parameter schema. The registry
(:mod:`tabwise.commands._registry`) finds every marked method with :func:`commands_of`,
so adding a command is writing the method, nothing else. Public helpers that are not
commands (``subscribe``, ``session_ids`` ...) are simply not marked.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

__all__ = ["command", "commands_of", "is_command"]

_MARK = "__tabwise_command__"

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])


def command(fn: F) -> F:
    """Mark ``fn`` (a public ``async def`` method) as a command; it is returned unchanged."""
    func: Any = fn  # iscoroutinefunction narrows; the caller keeps its precise type
    if not inspect.iscoroutinefunction(func):
        raise TypeError(f"@command needs an async method, not {fn!r}")
    if fn.__name__.startswith("_"):
        raise TypeError(f"a command's name is public API; {fn.__name__!r} is private")
    setattr(fn, _MARK, True)
    return fn


def is_command(value: object) -> bool:
    """Whether ``value`` is a function marked with :func:`command`."""
    return getattr(value, _MARK, False) is True


def commands_of(cls: type) -> tuple[str, ...]:
    """The names of ``cls``'s commands, in the order its classes define them (the class
    itself, then its bases in method resolution order). An override counts only if it
    is marked too."""
    names: list[str] = []
    for klass in cls.__mro__:
        for name in vars(klass):
            if name not in names and is_command(getattr(cls, name, None)):
                names.append(name)
    return tuple(names)
