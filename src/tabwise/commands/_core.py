"""The command layer (DESIGN §4): one async API for the TUI and the JSON-RPC server.

``Tabwise`` owns the event bus, the provider registry, the per-session agents, the live
tabs and the archive. Every public coroutine here is a command; its name is the API.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..agent import AgentBridge, AiState, BridgeHooks, usage_summary
from ..errors import InvalidParams, SessionNotFound, TabwiseError
from ..events import EventBus, Subscription
from ..mcp import McpManager, pack_allowed, unpack_allowed
from ..providers import ProviderRegistry
from ..pty import PtyProcess, PtyStream, ShellIntegration, restored_preamble
from ..sessions import Session
from ..settings import (
    Paths,
    Settings,
    ensure_settings_file,
    load_settings,
    resolve_paths,
)
from ._export import to_json, to_markdown
from ._follow import DirectoryFollower, default_name
from ._fork import ForkCommands
from ._hooks import ArchiveHooks
from ._snapshots import ScreenKeeper

if TYPE_CHECKING:
    from ..archive import Archive, SessionRow

__all__ = ["Tabwise"]

log = logging.getLogger("tabwise")

# How long a turn continued after a restart waits for its tab's MCP servers to start.
MCP_READY_SECONDS = 30.0


def _config(value: Any) -> dict[str, str]:
    # In-process callers (the TUI) skip the edge's validation, so the shape is checked
    # here too; over JSON-RPC it was already validated by commands._registry.
    if (not isinstance(value, dict) or not isinstance(value.get("provider"), str)
            or not isinstance(value.get("model"), str)):
        raise InvalidParams('ai_config must be {"provider": str, "model": str}.')
    return {"provider": value["provider"], "model": value["model"]}


def _resolve_dir(path: str) -> Path:
    shown = path if len(path) <= 200 else path[:200] + "..."
    try:
        cwd = Path(path).expanduser()
        if not cwd.is_dir():
            raise InvalidParams(f"working_directory {shown!r} is not a directory.")
        return cwd.resolve()
    except (OSError, ValueError, RuntimeError) as exc:  # too long, NUL byte, unknown ~user
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)[:200]
        raise InvalidParams(f"working_directory {shown!r} cannot be used: {why}.") from exc


class Tabwise(ForkCommands):
    """The application core. Build with :meth:`start`, stop with :meth:`stop`."""

    def __init__(self, paths: Paths, settings: Settings, archive: Archive | None) -> None:
        self.paths = paths
        self.settings = settings
        self.archive = archive
        self.bus = EventBus()
        self.providers = ProviderRegistry(settings)
        hooks: BridgeHooks | None = ArchiveHooks(archive) if archive is not None else None
        protected = (paths.settings_file.parent, paths.db_file.parent, paths.token_file.parent,
                     paths.logs_dir)
        self.ai = AiState(self.bus, self.providers, hooks, protected)
        self.mcp = McpManager(self.bus, settings, paths.logs_dir)
        self.ai.toolsets_for = self.mcp.toolsets
        self.sessions: dict[str, Session] = {}
        self.shell_integration = ShellIntegration(paths.db_file.parent / "shell")
        self.follower = DirectoryFollower(self.bus, self.ai, lambda: self.archive,
                                          self.sessions.get)
        # Each tab's terminal screen, kept across restarts (issue #12).
        self.screens = (ScreenKeeper(archive, settings.terminal.scrollback)
                        if archive is not None else None)
        self._next_position = 0
        self.started_at = time.time()

    # -- lifecycle -----------------------------------------------------------------

    @classmethod
    async def start(cls, home: str | os.PathLike[str] | None = None, *,
                    restore: bool | None = None) -> Tabwise:
        """Resolve paths, write the first-run settings template, load settings, open the
        archive, purge old closed sessions and (by default) restore the open tabs.

        Invalid settings do not stop the start: each invalid value has its default and
        ``settings.errors`` lists the problems for the front end to show."""
        paths = resolve_paths(home)
        paths.ensure_dirs()
        ensure_settings_file(paths.settings_file)
        settings = load_settings(paths.settings_file, strict=False)
        for problem in settings.errors:
            log.error("settings: %s (using the default instead)", problem)
        archive = None
        if settings.sessions.persist:
            from ..archive import Archive

            archive = await Archive.open(paths.db_file)
            if settings.sessions.retention_days:
                await archive.purge_closed(settings.sessions.retention_days)
        core = cls(paths, settings, archive)
        try:
            await asyncio.to_thread(core.shell_integration.install)
        except OSError as exc:  # shells then start plain; /proc still tells the cwd
            log.warning("could not write the shell integration files: %s", exc)
        do_restore = settings.sessions.restore_on_start if restore is None else restore
        core.providers.statuses()  # starts discovering local servers' models, in the background
        if archive is not None:
            rows = await archive.list_sessions()
            core._next_position = max((r.position for r in rows), default=-1) + 1
            if do_restore:
                for row in rows:
                    try:
                        await core.restore_session(row.session_id)
                    except TabwiseError as exc:
                        log.warning("could not restore session %s: %s", row.session_id, exc)
        if core.screens is not None:
            core.screens.start(core._ptys)
        return core

    async def stop(self) -> None:
        """Stop every agent and shell; open sessions stay open in the archive, with
        their terminal screens."""
        if self.screens is not None:
            await self.screens.stop(self._ptys())
        # Not a shutdown of the tabs: approvals they wait for stay for the next start.
        await asyncio.gather(*(self.ai.shutdown(sid, keep_pending=True)
                               for sid in list(self.ai.bridges)), return_exceptions=True)
        await self.mcp.stop()
        await asyncio.gather(*(s.pty.close() for s in self.sessions.values() if s.pty),
                             return_exceptions=True)
        self.sessions.clear()
        await self.follower.aclose()
        if self.archive is not None:
            await self.archive.close()
        await self.providers.aclose()

    # -- helpers -------------------------------------------------------------------

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

    def _info(self, s: Session) -> dict[str, Any]:
        bridge = self.ai.bridges.get(s.session_id)
        info = s.info(self._ai_status(s), bridge.config if bridge else None)
        info["instructions"] = bridge.rules.files() if bridge else []
        info["mcp_servers"] = list(self.mcp.selection(s.session_id))
        return info

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
            self.bus.publish(s.session_id, "pty_exited", exit_code=code)

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
            self.bus.publish(s.session_id, "warning", message=str(exc))

    # -- sessions ------------------------------------------------------------------

    async def create_session(self, working_directory: str | None = None,
                             name: str | None = None,
                             ai_config: dict[str, str] | None = None,
                             terminal: bool = True) -> dict[str, Any]:
        """Create a tab: a shell (unless ``terminal`` is false) and its agent."""
        cwd = await asyncio.to_thread(_resolve_dir, working_directory or os.getcwd())
        if ai_config is not None:
            cfg = _config(ai_config)
            # Build first: an explicit bad config fails before anything is created.
            self.providers.build(cfg["provider"], cfg["model"])
        else:
            cfg = self.get_default_ai_config_sync()
        now = time.time()
        sid = uuid.uuid4().hex
        s = Session(sid, name or default_name(cwd), cwd, now, now, self._next_position, cfg)
        self._next_position += 1
        self.sessions[sid] = s
        if terminal:
            try:
                self._start_pty(s)
            except OSError as exc:
                del self.sessions[sid]
                raise TabwiseError(f"Could not start the shell: {exc}.") from exc
        self._init_ai(s, cfg["provider"], cfg["model"], strict=ai_config is not None)
        # In the background: a tab never waits for its MCP servers to start.
        servers = self.mcp.set_tab(sid, self.mcp.default_selection(), cwd)
        if self.archive is not None:
            from ..archive import SessionRow

            self.archive.create_session(SessionRow(
                session_id=sid, name=s.name, working_directory=str(cwd), created_at=now,
                updated_at=now, closed_at=None, position=s.position,
                provider=cfg["provider"], model=cfg["model"],
                always_allow=pack_allowed((), servers)))
        return self._info(s)

    async def close_session(self, session_id: str) -> bool:
        """Stop the agent and the shell; the session stays in the archive as closed."""
        s = self._session(session_id)
        await self.ai.shutdown(session_id)
        self.mcp.drop_tab(session_id)
        if s.pty is not None:
            if self.screens is not None:
                self.screens.save_soon(session_id, s.pty)
            await s.pty.close()
        del self.sessions[session_id]
        self.follower.forget(session_id)
        if self.archive is not None:
            self.archive.update_session(session_id, closed_at=time.time(), updated_at=time.time())
        self.bus.publish(session_id, "session_closed")
        return True

    async def list_sessions(self, include_closed: bool = False,
                            limit: int | None = None) -> list[dict[str, Any]]:
        """Live tabs plus archived ones waiting to be restored (and closed ones if asked)."""
        if limit is not None and limit < 0:
            raise InvalidParams("limit must be a non-negative integer.")
        live = sorted(self.sessions.values(), key=lambda s: s.position)
        out = [self._info(s) for s in live]
        usage = {}
        if self.archive is not None:
            rows = await self.archive.list_sessions(include_closed=include_closed, limit=None)
            out += [self._row_info(r) for r in rows if r.session_id not in self.sessions]
            usage = await self.archive.load_usage_all()
            forks = await self.archive.load_forks()
            for info in out:
                info["forked_from"] = forks.get(info["session_id"])
        for info in out:  # tokens and cost so far, for the sessions browser and CLI
            bridge = self.ai.bridges.get(info["session_id"]) if info["live"] else None
            info["usage"] = (bridge.usage.summary() if bridge is not None
                             else usage_summary(usage.get(info["session_id"], [])))
        return out[:limit] if limit is not None else out

    def _row_info(self, r: SessionRow) -> dict[str, Any]:
        cfg = {"provider": r.provider, "model": r.model} if r.provider and r.model else None
        return {
            "session_id": r.session_id, "name": r.name,
            "working_directory": r.working_directory, "created_at": r.created_at,
            "updated_at": r.updated_at, "position": r.position, "ai_config": cfg,
            "ai_status": "archived", "live": False, "closed": r.closed_at is not None,
            "message_count": r.message_count, "first_prompt": r.first_prompt,
            "mcp_servers": list(unpack_allowed(r.always_allow)[1] or ()),
        }

    async def restore_session(self, session_id: str, terminal: bool = True) -> dict[str, Any]:
        """Reopen an archived session as a live tab with its own provider/model and history."""
        if session_id in self.sessions:
            return self._info(self.sessions[session_id])
        if self.archive is None:
            raise SessionNotFound(session_id)
        row = await self.archive.get_session(session_id)
        if row is None:
            raise SessionNotFound(session_id)
        history = await self.archive.load_context(session_id)
        cwd = Path(row.working_directory)
        if not await asyncio.to_thread(cwd.is_dir):
            cwd = Path.home()
        # seq must keep increasing over the session's whole life, across restarts, without
        # a write per event: continue from a clock-derived base (microseconds since the
        # epoch), which is beyond any seq the session reached before (that would take
        # more than a million events a second).
        self.bus.set_seq(session_id, time.time_ns() // 1000)
        s = Session(session_id, row.name, cwd, row.created_at, row.updated_at, row.position,
                    {"provider": row.provider, "model": row.model}
                    if row.provider and row.model else None)
        s.forked_from = await self.archive.load_forked_from(session_id)
        self.sessions[session_id] = s
        self._next_position = max(self._next_position, row.position + 1)
        if terminal:
            kept = await self.screens.load(session_id) if self.screens else None
            size, preamble = (24, 80), b""
            if kept is not None:
                text, snap = kept
                if snap.rows > 0 and snap.cols > 1:
                    size = (snap.rows, snap.cols)
                preamble = restored_preamble(text, snap.saved_at)
            try:
                self._start_pty(s, *size, preamble=preamble)
            except OSError as exc:
                log.warning("no shell for restored session %s: %s", session_id, exc)
            if self.screens is not None and s.pty is not None:
                self.screens.restored(session_id, s.pty)
        saved = f"{row.provider}/{row.model}" if row.provider and row.model else "none"
        try:
            if not (row.provider and row.model):
                raise InvalidParams("The session has no saved provider/model.")
            self.ai.init(session_id, row.provider, row.model, working_directory=cwd,
                         history=history)
        except TabwiseError as exc:
            d = self.get_default_ai_config_sync()
            self._init_ai(s, d["provider"], d["model"], strict=False, history=history)
            if s.ai_error is None:
                self.bus.publish(session_id, "warning", message=(
                    f"Saved model {saved} is not available ({exc}); using "
                    f"{d['provider']}/{d['model']} for now. The saved model is kept."))
        allowed, servers = unpack_allowed(row.always_allow)
        self.mcp.set_tab(session_id, self.mcp.default_selection() if servers is None else servers,
                         cwd, strict=False)
        bridge = self.ai.bridges.get(session_id)
        if bridge is not None:
            bridge.approvals.tab_allowed.update(allowed)
            bridge.usage.seed(await self.archive.load_usage(session_id))
            pending = await self.archive.load_pending(session_id)
            if pending is not None:  # asked again; answering continues the turn
                bridge.tools_ready = lambda: self.mcp.wait_ready(
                    session_id, MCP_READY_SECONDS)
                bridge.resume(pending)
        if row.closed_at is not None:
            self.archive.update_session(session_id, closed_at=None, updated_at=time.time(),
                                        position=s.position)
        return self._info(s)

    async def set_active_session(self, session_id: str) -> bool:
        """Remember which tab a front end shows, so the next start shows it again."""
        self._session(session_id)
        if self.archive is not None:
            self.archive.set_app_state("active_session", session_id)
        return True

    async def get_active_session(self) -> str | None:
        """The tab last made active with :meth:`set_active_session`, if it is live."""
        if self.archive is None:
            return None
        sid = await self.archive.get_app_state("active_session")
        return sid if sid in self.sessions else None

    async def rename_session(self, session_id: str, name: str) -> dict[str, Any]:
        if not name.strip():
            raise InvalidParams("name must be a non-empty string.")
        s = self._session(session_id)
        s.name = name.strip()
        if self.archive is not None:
            self.archive.update_session(session_id, name=s.name, updated_at=time.time())
        return self._info(s)

    async def reorder_sessions(self, session_ids: list[str]) -> list[dict[str, Any]]:
        """Set the tab order of live sessions (the order of ``session_ids``)."""
        for pos, sid in enumerate(session_ids):
            s = self._session(sid)
            s.position = pos
            if self.archive is not None:
                self.archive.update_session(sid, position=pos)
        return [self._info(s) for s in sorted(self.sessions.values(), key=lambda s: s.position)]

    async def delete_session(self, session_id: str) -> bool:
        """Close (if live) and remove a session and its history for good."""
        if session_id in self.sessions:
            await self.close_session(session_id)
        elif self.archive is None or await self.archive.get_session(session_id) is None:
            raise SessionNotFound(session_id)
        if self.archive is not None:
            self.archive.delete_session(session_id)
            await self.archive.flush()
        return True

    async def export_session(self, session_id: str, format: str = "markdown") -> str:
        if format not in ("markdown", "json"):
            raise InvalidParams('format must be "markdown" or "json".')
        meta: dict[str, Any]
        if self.archive is not None:
            await self.archive.flush()
            row = await self.archive.get_session(session_id)
            if row is None:
                raise SessionNotFound(session_id)
            meta = self._row_info(row)
            if session_id in self.sessions:
                meta = self._info(self.sessions[session_id])
            messages = await self.archive.load_transcript(session_id)
        else:
            s = self._session(session_id)
            meta = self._info(s)
            bridge = self.ai.bridges.get(session_id)
            messages = list(bridge.history) if bridge else []
        return to_markdown(meta, messages) if format == "markdown" else to_json(meta, messages)

    async def pty_write(self, session_id: str, data: str) -> bool:
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        s.pty.write(data)
        return True

    async def restart_terminal(self, session_id: str) -> dict[str, Any]:
        """Start a new shell for a tab whose shell exited (or replace a running one)."""
        s = self._session(session_id)
        old = s.pty
        rows, cols = (old.rows, old.cols) if old is not None else (24, 80)
        try:
            self._start_pty(s, rows, cols)
        except OSError as exc:
            raise TabwiseError(f"Could not start the shell: {exc}.") from exc
        if old is not None:
            if self.screens is not None:
                self.screens.shell_replaced(session_id, old)
            await old.close()
        return self._info(s)

    def subscribe_pty(self, session_id: str) -> PtyStream:
        """The tab's terminal output from now on, as chunks with their byte offsets.

        The stream starts at ``stream.offset`` (what ``pty_read`` has up to now) and
        ends when this shell does; see :class:`~tabwise.pty.PtyStream`. In process this
        is the documented accessor to a terminal's byte stream; the server sends it as
        ``pty_output`` notifications.
        """
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        return PtyStream(s.pty)

    async def pty_read(self, session_id: str, offset: int = 0,
                       max_bytes: int = 65536) -> dict[str, Any]:
        """Recent terminal output from byte ``offset`` on (the last 256 KB are kept)."""
        if offset < 0 or not 0 < max_bytes <= 1 << 20:
            raise InvalidParams("offset must be >= 0 and max_bytes in 1..1048576.")
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        got = s.pty.output.read(offset, max_bytes)
        return {"data": got.data.decode("utf-8", "replace"), "offset": got.offset,
                "next_offset": got.next_offset, "dropped": got.dropped,
                "exited": s.pty.exited.is_set(), "exit_code": s.pty.exit_code}

    async def pty_resize(self, session_id: str, rows: int, cols: int) -> bool:
        if not (0 < rows < 10000 and 0 < cols < 10000):
            raise InvalidParams("rows and cols must be positive integers.")
        s = self._session(session_id)
        if s.pty is None:
            raise InvalidParams(f"Session {session_id!r} has no terminal.")
        s.pty.resize(rows, cols)
        return True

    # -- AI core -------------------------------------------------------------------

    async def init_ai_session(self, session_id: str, config: dict[str, str]) -> dict[str, str]:
        """First init or model switch of one tab; history is kept; on failure the old
        agent keeps working and the error is raised."""
        s = self._session(session_id)
        cfg = _config(config)
        self._init_ai(s, cfg["provider"], cfg["model"], strict=True)
        s.ai_config = cfg
        return cfg

    async def shutdown_ai_session(self, session_id: str) -> bool:
        self._session(session_id)
        await self.ai.shutdown(session_id)
        return True

    async def is_ai_session_initialized(self, session_id: str) -> bool:
        self._session(session_id)
        return self.ai.is_initialized(session_id)

    async def get_session_ai_config(self, session_id: str) -> dict[str, str] | None:
        self._session(session_id)
        bridge = self.ai.bridges.get(session_id)
        return bridge.config if bridge else None

    async def send_ai_prompt(self, session_id: str, prompt: str,
                             context: str | None = None) -> str:
        if not prompt.strip():
            raise InvalidParams("prompt must be a non-empty string.")
        return await self._bridge(session_id).prompt(prompt, context)

    async def cancel_ai_prompt(self, session_id: str) -> bool:
        return self._bridge(session_id).cancel()

    async def clear_ai_conversation(self, session_id: str) -> bool:
        self._bridge(session_id).clear()
        return True

    async def get_ai_conversation_length(self, session_id: str) -> int:
        return len(self._bridge(session_id).history)

    async def get_pending_approvals(self, session_id: str) -> list[dict[str, Any]]:
        bridge = self._bridge(session_id)
        # Where the call would run: relative paths and commands are the tab's directory.
        cwd = str(bridge.working_directory)
        return [{**p.to_dict(), "working_directory": cwd} for p in bridge.approvals.pending()]

    async def respond_to_tool_approval(self, session_id: str, request_id: str, decision: str,
                                       reason: str | None = None) -> bool:
        bridge = self._bridge(session_id)
        bridge.approvals.respond(request_id, decision, reason)
        if decision == "always_allow" and self.archive is not None:
            self.archive.update_session(session_id, always_allow=pack_allowed(
                bridge.approvals.tab_allowed, self.mcp.selection(session_id)))
        return True

    async def get_session_usage(self, session_id: str) -> dict[str, Any]:
        """Tokens, requests and cost over the tab's whole life (compaction included,
        across restarts); ``cost_usd`` is null when no price is known."""
        if not isinstance(session_id, str):
            raise InvalidParams("session_id must be a string.")
        bridge = self.ai.bridges.get(session_id) if session_id in self.sessions else None
        if bridge is not None:
            return bridge.usage.summary()
        if self.archive is not None and await self.archive.get_session(session_id):
            return usage_summary(await self.archive.load_usage(session_id))
        self._session(session_id)
        return usage_summary([])

    async def get_context_usage(self, session_id: str) -> dict[str, Any]:
        return self._bridge(session_id).context.to_dict()

    async def compact_context(self, session_id: str) -> dict[str, Any]:
        """Summarize the older part of the conversation now (the archive keeps it all)."""
        return await self._bridge(session_id).compact()

    # -- settings and models -------------------------------------------------------

    def get_default_ai_config_sync(self) -> dict[str, str]:
        return {"provider": self.settings.default_provider, "model": self.settings.default_model}

    async def get_default_ai_config(self) -> dict[str, str]:
        return self.get_default_ai_config_sync()

    async def list_providers(self, refresh: bool = False) -> list[dict[str, Any]]:
        """Every provider: configured or not (and why), and its models. Local servers'
        models are discovered in the background; ``refresh`` waits for a fresh look
        (a few seconds at most when a server does not answer)."""
        if refresh:
            await self.providers.discover()
        return [p.to_dict() for p in self.providers.statuses()]

    async def get_settings(self) -> dict[str, Any]:
        return self.settings.redacted()

    async def reload_settings(self) -> dict[str, Any]:
        """Re-read settings.toml; on error the current settings stay in force."""
        settings = load_settings(self.paths.settings_file)
        self.settings = settings
        if self.screens is not None:
            self.screens.history = settings.terminal.scrollback
        self.ai.update_settings(settings)
        self.mcp.update_settings(settings, {sid: s.working_directory
                                            for sid, s in self.sessions.items()})
        return settings.redacted()

    # -- MCP servers (issue #14) ---------------------------------------------------

    async def list_mcp_servers(self, session_id: str | None = None) -> list[dict[str, Any]]:
        """Every configured MCP server: transport, status, error and tools (with a
        session id: as that tab uses them, with ``selected``)."""
        if session_id is not None:
            self._session(session_id)
        return self.mcp.describe(session_id)

    def connected_mcp_servers(self, session_id: str) -> list[str]:
        """The tab's MCP servers that are connected now (for a status bar; not a command)."""
        return self.mcp.connected(session_id)

    async def set_session_mcp_servers(self, session_id: str,
                                      names: list[str]) -> dict[str, Any]:
        """Which MCP servers this tab uses (this tab only; kept in the archive)."""
        s = self._session(session_id)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise InvalidParams("names must be a list of MCP server names.")
        servers = self.mcp.set_tab(session_id, names, s.working_directory)
        if self.archive is not None:
            bridge = self.ai.bridges.get(session_id)
            allowed = bridge.approvals.tab_allowed if bridge is not None else ()
            self.archive.update_session(session_id, always_allow=pack_allowed(allowed, servers))
            await self.archive.flush()
        return self._info(s)

    # -- events --------------------------------------------------------------------

    def subscribe(self, session_id: str | None = None) -> Subscription:
        """A bounded queue of events for one session (or all)."""
        if session_id is not None:
            self._session(session_id)
        return self.bus.subscribe(session_id)

    def session_ids(self) -> list[str]:
        return [s.session_id for s in sorted(self.sessions.values(), key=lambda s: s.position)]
