"""Fork and compare (DESIGN §4 ``fork_session``, ``compare_prompt``): one conversation,
several models.

A fork is a new tab whose conversation is a copy of the first messages of another's,
cut at a *turn boundary*. A turn starts with the request that carries the user's prompt
(a ``ModelRequest`` with a ``UserPromptPart``, not a compaction summary) and runs until
the next such request: the model's answers, its tool calls and their results all belong
to it. So a cut at a turn boundary (before a turn's first message, or at the end) never
separates a tool call from its result. ``message_count`` is rounded *down* to the
nearest boundary; ``len(conversation)`` and 0 are boundaries.

What the fork copies: the source's live context (what its model is sent). What it does
not: approvals asked or answered, "always allow" answers, a turn waiting for approval,
usage and cost, the shell. Its agent is new: its own approvals, context budget and usage
(from zero), its own shell in the same working directory.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic_ai.messages import ModelMessage, ModelRequest, UserPromptPart

from ..api import MAX_COMPARE, MIN_COMPARE, AiConfig, CompareError, CompareResult, SessionInfo
from ..errors import InvalidParams, SessionBusy, SessionNotFound, TabwiseError
from ..events import ContextUsageChanged
from ..mcp import pack_allowed
from ..sessions import Session
from ._base import CoreBase
from ._command import command

__all__ = ["ForkCommands", "cut_at_turn", "turn_starts"]

log = logging.getLogger("tabwise")


def _starts_turn(msg: ModelMessage) -> bool:
    return (isinstance(msg, ModelRequest)
            and not any(getattr(p, "part_kind", "") == "compaction" for p in msg.parts)
            and any(isinstance(p, UserPromptPart) for p in msg.parts))


def turn_starts(messages: Sequence[ModelMessage]) -> list[int]:
    """The index of the first message of every turn, in order."""
    return [i for i, m in enumerate(messages) if _starts_turn(m)]


def cut_at_turn(messages: Sequence[ModelMessage], count: int) -> int:
    """``count`` rounded down to a turn boundary (0 and ``len(messages)`` are ones)."""
    if count >= len(messages):
        return len(messages)
    return max((i for i in turn_starts(messages) if i <= count), default=0)


class ForkCommands(CoreBase):
    """``fork_session`` and ``compare_prompt``, mixed into :class:`Tabwise`."""

    if TYPE_CHECKING:  # commands of the other groups that these build on
        async def send_ai_prompt(self, session_id: str, prompt: str,
                                 context: str | None = None) -> str: ...
        async def close_session(self, session_id: str) -> bool: ...
        async def init_ai_session(self, session_id: str,
                                  config: AiConfig) -> AiConfig: ...

    async def _fork_source(self, session_id: str) -> tuple[
            str, Path, list[ModelMessage], AiConfig | None, bool]:
        """Name, directory, conversation, model and has-a-shell of a live or archived tab."""
        s = self.sessions.get(session_id)
        if s is not None:
            bridge = self.ai.bridges.get(session_id)
            if bridge is not None:
                return (s.name, s.working_directory, list(bridge.history),
                        bridge.config, s.pty is not None)
            history = await self.archive.load_context(session_id) if self.archive else []
            return s.name, s.working_directory, history, s.ai_config, s.pty is not None
        row = await self.archive.get_session(session_id) if self.archive else None
        if row is None or self.archive is None:
            raise SessionNotFound(session_id)
        cwd = Path(row.working_directory)
        if not await asyncio.to_thread(cwd.is_dir):
            cwd = Path.home()
        cfg = AiConfig(row.provider, row.model) if row.provider and row.model else None
        return row.name, cwd, await self.archive.load_context(session_id), cfg, True

    @command
    async def fork_session(self, session_id: str, ai_config: AiConfig | None = None,
                           message_count: int | None = None, name: str | None = None,
                           terminal: bool | None = None) -> SessionInfo:
        """A new tab with a copy of the first ``message_count`` messages (default: all;
        rounded down to a turn boundary) of ``session_id``'s conversation, on
        ``ai_config`` (default: the source's model); same working directory, its own
        shell (``terminal``: default as the source), approvals, budget and usage.
        Durable before it returns. ``SessionInfo.forked_from`` names the source."""
        if message_count is not None and message_count < 0:
            raise InvalidParams("message_count must be a non-negative integer.")
        if name is not None and not name.strip():
            raise InvalidParams("name must be a non-empty string.")
        src_name, cwd, messages, src_cfg, has_shell = await self._fork_source(session_id)
        cfg = ai_config or src_cfg or self.get_default_ai_config_sync()
        # Build first: a bad config fails before anything is created.
        self.providers.build(cfg.provider, cfg.model)
        count = len(messages) if message_count is None else cut_at_turn(messages, message_count)
        kept = messages[:count]
        now = time.time()
        fid = uuid.uuid4().hex
        s = Session(fid, name.strip() if name else f"{src_name} · {cfg.model}", cwd, now,
                    now, self._next_position, cfg, forked_from=session_id)
        self._next_position += 1
        self.sessions[fid] = s
        try:
            if has_shell if terminal is None else terminal:
                try:
                    self._start_pty(s)
                except OSError as exc:
                    raise TabwiseError(f"Could not start the shell: {exc}.") from exc
            # The messages are shared with the source, not copied: nothing mutates a
            # message once it is in a history (turns append, compaction replaces).
            self.ai.init(fid, cfg.provider, cfg.model, working_directory=cwd,
                         history=kept)
            # The fork uses the source's MCP servers (its own calls and approvals).
            servers = self.mcp.set_tab(
                fid, self.mcp.selection(session_id) if session_id in self.sessions
                else self.mcp.default_selection(), cwd, strict=False)
            if self.archive is not None:
                from ..archive import ForkSession
                from ..archive._codec import first_prompt

                await self.archive.fork_session(ForkSession(
                    session_id, fid, s.name, str(cwd), now, s.position, cfg.provider,
                    cfg.model, count, first_prompt(kept)))
                self.archive.update_session(fid, always_allow=pack_allowed((), servers))
        except BaseException:
            await self._undo_fork(s)
            raise
        return self._info(s)

    async def _undo_fork(self, s: Session) -> None:
        self.sessions.pop(s.session_id, None)
        await self.ai.shutdown(s.session_id)
        self.mcp.drop_tab(s.session_id)
        if s.pty is not None:
            await s.pty.close()

    @command
    async def compare_prompt(self, session_id: str, prompt: str,
                             ai_configs: list[AiConfig],
                             message_count: int | None = None) -> list[CompareResult]:
        """Fork ``session_id`` once per config (2–6) and send ``prompt`` to every fork at
        once. Each fork streams, asks for approvals and fails on its own; the result
        per fork is ``{session_id, ai_config, response, error}`` (``error``: null or
        ``{code, message}``), in the order of ``ai_configs``."""
        if not prompt.strip():
            raise InvalidParams("prompt must be a non-empty string.")
        forks = await self.prepare_compare(session_id, ai_configs, message_count)
        return await self.run_compare([f.session_id for f in forks], prompt)

    async def prepare_compare(self, session_id: str, ai_configs: Sequence[AiConfig],
                              message_count: int | None = None) -> list[SessionInfo]:
        """The forks of a comparison (the first step of :meth:`compare_prompt`, for
        front ends that show each fork's events before the answers are in)."""
        if not MIN_COMPARE <= len(ai_configs) <= MAX_COMPARE:
            raise InvalidParams(f"ai_configs must be a list of {MIN_COMPARE} to "
                                f"{MAX_COMPARE} {{provider, model}} objects.")
        configs = list(ai_configs)
        for i, cfg in enumerate(configs):
            try:
                self.providers.build(cfg.provider, cfg.model)
            except TabwiseError as exc:  # same code; say which config it is
                exc.message = f"ai_configs[{i}] ({cfg.provider}/{cfg.model}): {exc}"
                exc.args = (exc.message,)
                raise
        forks: list[SessionInfo] = []
        try:
            for cfg in configs:
                forks.append(await self.fork_session(session_id, cfg, message_count))
        except BaseException:
            for f in forks:
                await self.close_session(f.session_id)
            raise
        return forks

    async def run_compare(self, fork_ids: list[str], prompt: str) -> list[CompareResult]:
        """Send ``prompt`` to every fork at once; one result per fork, in order."""

        async def one(fid: str) -> CompareResult:
            cfg = self._live_config(fid)
            try:
                response = await self.send_ai_prompt(fid, prompt)
            except TabwiseError as exc:
                return CompareResult(fid, cfg, None, CompareError(exc.code, str(exc)))
            return CompareResult(fid, cfg, response, None)

        return list(await asyncio.gather(*(one(fid) for fid in fork_ids)))

    async def adopt_fork(self, session_id: str, fork_id: str) -> SessionInfo:
        """Continue ``session_id`` with what ``fork_id`` said since it was forked from it
        (its turns and its model), then close the fork (it stays in the archive).

        This is "keep this answer" of a comparison: the tab keeps its shell and its
        place, and the conversation goes on as if it had asked that model. Refused when
        either is busy or the tab's conversation changed since the fork."""
        src = self.sessions.get(session_id)
        fork = self.sessions.get(fork_id)
        if src is None or fork is None:
            raise SessionNotFound(session_id if src is None else fork_id)
        a, b = self.ai.bridges.get(session_id), self.ai.bridges.get(fork_id)
        if a is None or b is None or fork.forked_from != session_id:
            raise InvalidParams(f"Session {fork_id!r} is not a fork of {session_id!r} "
                                "with a working agent.")
        for bridge in (a, b):
            if bridge.busy:
                raise SessionBusy(bridge.session_id)
        n = len(a.history)
        if len(b.history) < n or any(x is not y for x, y in zip(a.history, b.history,
                                                                 strict=False)):
            raise InvalidParams("The tab's conversation changed since the comparison; "
                                "keep the answer as its own tab instead.")
        new = b.history[n:]
        if b.config != a.config:
            await self.init_ai_session(session_id, b.config)
        a.history.extend(new)
        a.hooks.messages_added(session_id, list(new))
        await a.hooks.flush()
        a.context.observe(a.history)
        u = a.context.usage()
        a.publish(ContextUsageChanged(u.used_tokens, u.max_tokens, u.utilization))
        await self.close_session(fork_id)
        return self._info(src)
