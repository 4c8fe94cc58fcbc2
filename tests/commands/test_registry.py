"""The command registry is built from the ``@command`` marks on Tabwise's methods."""

from __future__ import annotations

import inspect

import pytest

from tabwise.commands import COMMANDS, Tabwise
from tabwise.commands._command import command, commands_of, is_command

# Public coroutines of Tabwise that are deliberately not commands (lifecycle, and the
# steps of compare_prompt the TUI drives one by one).
NOT_COMMANDS = {"start", "stop", "prepare_compare", "run_compare", "adopt_fork"}


def test_the_registry_is_every_marked_method_once() -> None:
    marked = {n for n in dir(Tabwise) if is_command(getattr(Tabwise, n))}
    assert set(COMMANDS) == marked
    assert len(COMMANDS) == len(set(COMMANDS))
    assert "create_session" in COMMANDS and "fork_session" in COMMANDS


def test_every_public_coroutine_is_a_command_or_known_not_to_be() -> None:
    public = {n for n in dir(Tabwise) if not n.startswith("_")
              and inspect.iscoroutinefunction(getattr(Tabwise, n))}
    assert public - set(COMMANDS) == NOT_COMMANDS


def test_helpers_are_not_commands() -> None:
    for name in ("subscribe", "session_ids", "connected_mcp_servers",
                 "get_default_ai_config_sync", "start", "stop"):
        assert name not in COMMANDS


def test_command_refuses_what_cannot_be_a_command() -> None:
    def sync(self: object) -> None: ...

    async def _private(self: object) -> None: ...

    with pytest.raises(TypeError, match="async"):
        command(sync)  # type: ignore[type-var]
    with pytest.raises(TypeError, match="private"):
        command(_private)


def test_an_unmarked_override_is_not_a_command() -> None:
    class Base:
        @command
        async def a(self) -> None: ...

        @command
        async def b(self) -> None: ...

    class Sub(Base):
        async def a(self) -> None: ...

        @command
        async def c(self) -> None: ...

    assert commands_of(Sub) == ("c", "b")
