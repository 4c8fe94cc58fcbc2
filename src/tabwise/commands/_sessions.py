"""Session commands (DESIGN §4 "Sessions"): create, close, list, restore, rename,
reorder, delete and export tabs, and remember the active one."""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..agent import usage_summary
from ..api import AiConfig, SessionInfo, Usage
from ..errors import InvalidParams, SessionNotFound, TabwiseError
from ..events import SessionClosed, SessionWarning
from ..mcp import pack_allowed, unpack_allowed
from ..pty import restored_preamble
from ..sessions import Session
from ._base import CoreBase
from ._command import command
from ._export import to_json, to_markdown
from ._follow import default_name

if TYPE_CHECKING:
    from ..agent import ModelUsage

__all__ = ["MCP_READY_SECONDS", "SessionCommands"]

log = logging.getLogger("tabwise")

# How long a turn continued after a restart waits for its tab's MCP servers to start.
MCP_READY_SECONDS = 30.0


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


class SessionCommands(CoreBase):
    """The session commands, mixed into :class:`~tabwise.commands.Tabwise`."""

    @command
    async def create_session(self, working_directory: str | None = None,
                             name: str | None = None,
                             ai_config: AiConfig | None = None,
                             terminal: bool = True) -> SessionInfo:
        """Create a tab: a shell (unless ``terminal`` is false) and its agent."""
        cwd = await asyncio.to_thread(_resolve_dir, working_directory or os.getcwd())
        if ai_config is not None:
            cfg = ai_config
            # Build first: an explicit bad config fails before anything is created.
            self.providers.build(cfg.provider, cfg.model)
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
        self._init_ai(s, cfg.provider, cfg.model, strict=ai_config is not None)
        # In the background: a tab never waits for its MCP servers to start.
        servers = self.mcp.set_tab(sid, self.mcp.default_selection(), cwd)
        if self.archive is not None:
            from ..archive import SessionRow

            self.archive.create_session(SessionRow(
                session_id=sid, name=s.name, working_directory=str(cwd), created_at=now,
                updated_at=now, closed_at=None, position=s.position,
                provider=cfg.provider, model=cfg.model,
                always_allow=pack_allowed((), servers)))
        return self._info(s)

    @command
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
        self.bus.publish(session_id, SessionClosed())
        return True

    @command
    async def list_sessions(self, include_closed: bool = False,
                            limit: int | None = None) -> list[SessionInfo]:
        """Live tabs plus archived ones waiting to be restored (and closed ones if asked)."""
        if limit is not None and limit < 0:
            raise InvalidParams("limit must be a non-negative integer.")
        live = sorted(self.sessions.values(), key=lambda s: s.position)
        out = [self._info(s) for s in live]
        usage: dict[str, list[ModelUsage]] = {}
        forks: dict[str, str] | None = None
        if self.archive is not None:
            rows = await self.archive.list_sessions(include_closed=include_closed, limit=None)
            out += [self._info(r) for r in rows if r.session_id not in self.sessions]
            usage = await self.archive.load_usage_all()
            forks = await self.archive.load_forks()
        # Tokens and cost so far, for the sessions browser and CLI.
        out = [replace(info, usage=self._usage_of(info, usage),
                       forked_from=info.forked_from if forks is None
                       else forks.get(info.session_id))
               for info in out]
        return out[:limit] if limit is not None else out

    @command
    async def resolve_session_id(self, prefix: str) -> str:
        """The full id of the one session, live or archived (closed ones too), whose id
        starts with ``prefix``, so a user can type a few characters of it. A full id
        resolves to itself. None: ``session_not_found``; several, or an empty prefix:
        ``invalid_params``, naming the matches."""
        if self.archive is not None:  # it holds every session, the live ones too
            return await self.archive.resolve_prefix(prefix)
        from ..archive import one_with_prefix

        prefix = prefix.strip()
        return one_with_prefix(prefix, sorted(s for s in self.sessions if s.startswith(prefix)))

    def _usage_of(self, info: SessionInfo, archived: dict[str, list[ModelUsage]]) -> Usage:
        bridge = self.ai.bridges.get(info.session_id) if info.live else None
        return (bridge.usage.summary() if bridge is not None
                else usage_summary(archived.get(info.session_id, [])))

    @command
    async def restore_session(self, session_id: str, terminal: bool = True) -> SessionInfo:
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
                    AiConfig(row.provider, row.model) if row.provider and row.model else None)
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
            self._init_ai(s, d.provider, d.model, strict=False, history=history)
            if s.ai_error is None:
                self.bus.publish(session_id, SessionWarning(
                    f"Saved model {saved} is not available ({exc}); using "
                    f"{d.provider}/{d.model} for now. The saved model is kept."))
        allowed, servers = unpack_allowed(row.always_allow)
        self.mcp.set_tab(session_id, self.mcp.default_selection() if servers is None else servers,
                         cwd, strict=False)
        bridge = self.ai.bridges.get(session_id)
        if bridge is not None:
            bridge.approvals.tab_allowed.update(allowed)
            bridge.usage.seed(await self.archive.load_usage(session_id))
            bridge.unfinished = await self.archive.load_unfinished(session_id)
            pending = await self.archive.load_pending(session_id)
            if pending is not None:  # asked again; answering continues the turn
                bridge.tools_ready = lambda: self.mcp.wait_ready(
                    session_id, MCP_READY_SECONDS)
                bridge.resume(pending)
        if row.closed_at is not None:
            self.archive.update_session(session_id, closed_at=None, updated_at=time.time(),
                                        position=s.position)
        return self._info(s)

    @command
    async def set_active_session(self, session_id: str) -> bool:
        """Remember which tab a front end shows, so the next start shows it again."""
        self._session(session_id)
        if self.archive is not None:
            self.archive.set_app_state("active_session", session_id)
        return True

    @command
    async def get_active_session(self) -> str | None:
        """The tab last made active with :meth:`set_active_session`, if it is live."""
        if self.archive is None:
            return None
        sid = await self.archive.get_app_state("active_session")
        return sid if sid in self.sessions else None

    @command
    async def rename_session(self, session_id: str, name: str) -> SessionInfo:
        if not name.strip():
            raise InvalidParams("name must be a non-empty string.")
        s = self._session(session_id)
        s.name = name.strip()
        if self.archive is not None:
            self.archive.update_session(session_id, name=s.name, updated_at=time.time())
        return self._info(s)

    @command
    async def reorder_sessions(self, session_ids: list[str]) -> list[SessionInfo]:
        """Set the tab order of live sessions (the order of ``session_ids``)."""
        for pos, sid in enumerate(session_ids):
            s = self._session(sid)
            s.position = pos
            if self.archive is not None:
                self.archive.update_session(sid, position=pos)
        return [self._info(s) for s in sorted(self.sessions.values(), key=lambda s: s.position)]

    @command
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

    @command
    async def export_session(self, session_id: str, format: str = "markdown") -> str:
        """The whole conversation (compacted turns included) as Markdown or JSON, with
        the turns that failed or were cancelled where they happened: their prompt, what
        they did, then why they ended (JSON: ``unfinished_turns``, each with ``at``, the
        number of ``messages`` before it)."""
        if format not in ("markdown", "json"):
            raise InvalidParams('format must be "markdown" or "json".')
        meta: SessionInfo
        if self.archive is not None:
            await self.archive.flush()
            row = await self.archive.get_session(session_id)
            if row is None:
                raise SessionNotFound(session_id)
            meta = self._info(self.sessions.get(session_id) or row)
            messages = await self.archive.load_transcript(session_id)
            context = await self.archive.load_context(session_id)
            # Placed in the live context; the transcript holds the part compacted away
            # too, before it (unfinished turns go with a replaced context).
            shift = len(messages) - len(context)
            unfinished = [replace(t, at=t.at + shift)
                          for t in await self.archive.load_unfinished(session_id)]
        else:
            s = self._session(session_id)
            meta = self._info(s)
            bridge = self.ai.bridges.get(session_id)
            messages = list(bridge.history) if bridge else []
            unfinished = list(bridge.unfinished) if bridge else []
        if format == "markdown":
            return to_markdown(meta, messages, unfinished)
        return to_json(meta, messages, unfinished)
