"""The registry of per-session agents (the counterpart of qbit's ``AiState``).

A plain dict keyed by session_id. Lookups and swaps are synchronous, so no lock is ever
held across an await: two sessions never wait on each other here.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic_ai.messages import ModelMessage

from ..errors import AiNotInitialized
from ..events import EventBus
from ..providers import ProviderRegistry
from ..settings import Settings
from ._bridge import AgentBridge
from ._bridge_hooks import BridgeHooks

__all__ = ["AiState"]

T = TypeVar("T")


class AiState:
    """Bridges by session id, plus what is needed to build new ones."""

    def __init__(self, bus: EventBus, providers: ProviderRegistry,
                 hooks: BridgeHooks | None = None, protected: tuple[Path, ...] = ()) -> None:
        self.bus = bus
        self.providers = providers
        self.hooks = hooks
        # tabwise's own directories, secret to every tab's tools (DESIGN §4).
        self.protected = protected
        self.bridges: dict[str, AgentBridge] = {}
        # A tab's extra toolsets (its MCP servers, issue #14), asked for at each run.
        self.toolsets_for: Callable[[str], list[Any]] = lambda _sid: []

    @property
    def settings(self) -> Settings:
        return self.providers.settings

    def get_session_bridge(self, session_id: str) -> AgentBridge:
        bridge = self.bridges.get(session_id)
        if bridge is None:
            raise AiNotInitialized(session_id)
        return bridge

    async def with_session_bridge(
        self, session_id: str, fn: Callable[[AgentBridge], T | Awaitable[T]]
    ) -> T:
        """Call ``fn`` with the session's bridge (awaiting it if it is async)."""
        result = fn(self.get_session_bridge(session_id))
        if inspect.isawaitable(result):
            return await result
        return result

    def is_initialized(self, session_id: str) -> bool:
        return session_id in self.bridges

    def init(self, session_id: str, provider: str, model: str, *, working_directory: Path,
             history: list[ModelMessage] | None = None) -> AgentBridge:
        """First init, or a switch that keeps the conversation.

        The new model is built before anything changes, so a failure (unknown provider,
        missing key) raises and leaves the current agent working.
        """
        built = self.providers.build(provider, model)
        existing = self.bridges.get(session_id)
        if existing is not None:
            existing.switch(built)
            return existing
        bridge = AgentBridge(session_id, self.bus, built, self.settings,
                             working_directory=working_directory, history=history,
                             hooks=self.hooks, protected=self.protected)
        bridge.mcp_toolsets = lambda: self.toolsets_for(session_id)
        self.bridges[session_id] = bridge
        bridge.rules.refresh_soon(working_directory, self.settings.agent.instructions,
                                  bridge.publish)
        return bridge

    async def shutdown(self, session_id: str, *, keep_pending: bool = False) -> bool:
        """Stop and forget a session's agent; idempotent. True if there was one.

        ``keep_pending``: the app quits; approvals stay pending for the next start."""
        bridge = self.bridges.pop(session_id, None)
        if bridge is None:
            return False
        await bridge.shutdown(keep_pending=keep_pending)
        return True

    def update_settings(self, settings: Settings) -> None:
        self.providers.update_settings(settings)
        for bridge in self.bridges.values():
            bridge.update_settings(settings)
            # [agent] instructions may have changed: say so now, not at the next prompt.
            bridge.rules.refresh_soon(bridge.working_directory, settings.agent.instructions,
                                      bridge.publish)
