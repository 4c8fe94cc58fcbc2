"""What every group of commands shares: the core's state and the helpers they use.

:class:`CoreBase` declares the state :class:`~tabwise.commands.Tabwise` builds (its
``__init__``) and holds the helpers the command groups (``_sessions``, ``_terminal``,
``_ai``, ``_settings``, ``_mcp``, ``_fork``) call: find a tab, start its shell, start
its agent, describe it. Each group is a mixin over this base, so it is typed against
the real helpers, not against a copy of their signatures.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from ..api import AiConfig, SessionInfo
from ..errors import SessionNotFound, TabwiseError
from ..events import PtyExited, SessionWarning
from ..mcp import unpack_allowed
from ..pty import PtyProcess
from ..sessions import Session

if TYPE_CHECKING:
    from ..agent import AgentBridge, AiState
    from ..archive import Archive, SessionRow
    from ..events import EventBus
    from ..mcp import McpManager
    from ..providers import ProviderRegistry
    from ..pty import ShellIntegration
    from ..settings import Paths, Settings
    from ._follow import DirectoryFollower
    from ._snapshots import ScreenKeeper

__all__ = ["CoreBase"]


class CoreBase:
    """The state of the application core and the helpers its commands share."""

    paths: Paths
    settings: Settings
    archive: Archive | None
    bus: EventBus
    providers: ProviderRegistry
    ai: AiState
    mcp: McpManager
    sessions: dict[str, Session]
    shell_integration: ShellIntegration
    follower: DirectoryFollower
    screens: ScreenKeeper | None
    _next_position: int
    started_at: float

    def _ptys(self) -> dict[str, PtyProcess | None]:
        return {sid: s.pty for sid, s in self.sessions.items()}

    def _session(self, session_id: str) -> Session:
        s = self.sessions.get(session_id)
        if s is None:
            raise SessionNotFound(session_id)
        return s

    def _bridge(self, session_id: str) -> AgentBridge:
        self._session(session_id)
        return self.ai.get_session_bridge(session_id)

    def _ai_status(self, s: Session) -> str:
        bridge = self.ai.bridges.get(s.session_id)
        if bridge is not None:
            return bridge.state
        return "not_configured" if s.ai_error else "not_initialized"

    def _live_config(self, session_id: str) -> AiConfig | None:
        """The model the tab's agent runs, if it has one."""
        bridge = self.ai.bridges.get(session_id)
        return bridge.config if bridge is not None else None

    def _info(self, s: Session | SessionRow) -> SessionInfo:
        """The one place a :class:`SessionInfo` is made: of a live tab (its
        :class:`Session`) or of an archived one (its row)."""
        if isinstance(s, Session):
            bridge = self.ai.bridges.get(s.session_id)
            return SessionInfo(
                session_id=s.session_id, name=s.name,
                working_directory=str(s.working_directory), created_at=s.created_at,
                updated_at=s.updated_at, position=s.position,
                ai_config=self._live_config(s.session_id) or s.ai_config,
                ai_status=self._ai_status(s), live=True, closed=False,
                forked_from=s.forked_from, mcp_servers=tuple(self.mcp.selection(s.session_id)),
                ai_error=s.ai_error, terminal=s.pty is not None,
                instructions=tuple(bridge.rules.files()) if bridge else ())
        return SessionInfo(
            session_id=s.session_id, name=s.name, working_directory=s.working_directory,
            created_at=s.created_at, updated_at=s.updated_at, position=s.position,
            ai_config=AiConfig(s.provider, s.model) if s.provider and s.model else None,
            ai_status="archived", live=False, closed=s.closed_at is not None,
            forked_from=None, mcp_servers=tuple(unpack_allowed(s.always_allow)[1] or ()),
            message_count=s.message_count, first_prompt=s.first_prompt)

    def _start_pty(self, s: Session, rows: int = 24, cols: int = 80,
                   preamble: bytes = b"") -> None:
        shell = self.settings.terminal.resolved_shell()
        env = dict(os.environ)
        argv, env = ([shell], env) if not self.settings.terminal.shell_integration else \
            self.shell_integration.launch(shell, env)
        pty = PtyProcess.spawn(argv, str(s.working_directory), rows=rows, cols=cols, env=env)
        # Before the loop runs again, so before the shell's first output is read: a
        # restored screen shows above the new prompt, in every front end.
        pty.output.append(preamble)
        self.follower.attach(s, pty)

        def exited(code: int | None) -> None:
            self.bus.publish(s.session_id, PtyExited(code))

        pty.on_exit(exited)
        s.pty = pty

    def _init_ai(self, s: Session, provider: str, model: str, *, strict: bool,
                 history: list[Any] | None = None) -> None:
        """Start the tab's agent; with ``strict=False`` a failure leaves the tab AI-less
        with a warning event instead of raising (the shell still works)."""
        try:
            self.ai.init(s.session_id, provider, model, working_directory=s.working_directory,
                         history=history)
            s.ai_error = None
        except TabwiseError as exc:
            if strict:
                raise
            s.ai_error = str(exc)
            self.bus.publish(s.session_id, SessionWarning(str(exc)))

    def get_default_ai_config_sync(self) -> AiConfig:
        """The default provider/model of new tabs (for front ends; not a command)."""
        return AiConfig(self.settings.default_provider, self.settings.default_model)
