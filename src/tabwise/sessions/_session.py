"""A tab: its shell, its place in the tab bar and its saved AI configuration."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pty import PtyProcess

__all__ = ["Session"]


@dataclass(slots=True)
class Session:
    """One live tab. ``ai_config`` is what the tab *wants* (saved, restored); the agent
    that serves it lives in :class:`~tabwise.agent.AiState`."""

    session_id: str
    name: str
    working_directory: Path
    created_at: float
    updated_at: float
    position: int
    ai_config: dict[str, str] | None = None
    pty: PtyProcess | None = None
    ai_error: str | None = None  # why the agent could not start, if it could not
    forked_from: str | None = None  # the session this one was forked from

    def info(self, ai_status: str, live_config: dict[str, str] | None) -> dict[str, Any]:
        """The SessionInfo of DESIGN §4."""
        return {
            "session_id": self.session_id,
            "name": self.name,
            "working_directory": str(self.working_directory),
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "position": self.position,
            "ai_config": live_config or self.ai_config,
            "ai_status": ai_status,
            "ai_error": self.ai_error,
            "terminal": self.pty is not None,
            "live": True,
            "closed": False,
            "forked_from": self.forked_from,
        }
