"""AI commands (DESIGN §4 "AI core", HITL, context, usage): start, switch and stop a
tab's agent, prompt it, answer its approvals, and report its context and usage."""

from __future__ import annotations

from ..agent import PendingTurn, UnfinishedTurn, build_conversation, usage_summary, with_decisions
from ..api import (
    AiConfig,
    CompactResult,
    ContextUsage,
    LiveConversation,
    Message,
    PendingApprovalInfo,
    Usage,
)
from ..errors import InvalidParams, SessionNotFound
from ..mcp import pack_allowed
from ._base import CoreBase
from ._command import command

__all__ = ["AiCommands"]


class AiCommands(CoreBase):
    """The AI commands, mixed into :class:`~tabwise.commands.Tabwise`."""

    @command
    async def init_ai_session(self, session_id: str, config: AiConfig) -> AiConfig:
        """First init or model switch of one tab; history is kept; on failure the old
        agent keeps working and the error is raised."""
        s = self._session(session_id)
        self._init_ai(s, config.provider, config.model, strict=True)
        s.ai_config = config
        return config

    @command
    async def shutdown_ai_session(self, session_id: str) -> bool:
        self._session(session_id)
        await self.ai.shutdown(session_id)
        return True

    @command
    async def is_ai_session_initialized(self, session_id: str) -> bool:
        self._session(session_id)
        return self.ai.is_initialized(session_id)

    @command
    async def get_session_ai_config(self, session_id: str) -> AiConfig | None:
        self._session(session_id)
        return self._live_config(session_id)

    @command
    async def send_ai_prompt(self, session_id: str, prompt: str,
                             context: str | None = None) -> str:
        if not prompt.strip():
            raise InvalidParams("prompt must be a non-empty string.")
        return await self._bridge(session_id).prompt(prompt, context)

    @command
    async def cancel_ai_prompt(self, session_id: str) -> bool:
        """Cancel the tab's running turn (pending approvals are denied); false if none
        ran. Answers once the turn has ended: its ``cancelled`` event came first, and it
        is in the conversation (a ``TurnError``), durably."""
        return await self._bridge(session_id).stop_turn()

    @command
    async def clear_ai_conversation(self, session_id: str) -> bool:
        self._bridge(session_id).clear()
        return True

    @command
    async def get_ai_conversation_length(self, session_id: str) -> int:
        return len(self._bridge(session_id).history)

    @command
    async def get_pending_approvals(self, session_id: str) -> list[PendingApprovalInfo]:
        bridge = self._bridge(session_id)
        # Where the call would run: relative paths and commands are the tab's directory.
        cwd = str(bridge.working_directory)
        return [p.info(cwd) for p in bridge.approvals.pending()]

    @command
    async def respond_to_tool_approval(self, session_id: str, request_id: str, decision: str,
                                       reason: str | None = None) -> bool:
        bridge = self._bridge(session_id)
        bridge.approvals.respond(request_id, decision, reason)
        if decision == "always_allow" and self.archive is not None:
            self.archive.update_session(session_id, always_allow=pack_allowed(
                bridge.approvals.tab_allowed, self.mcp.selection(session_id)))
        return True

    @command
    async def get_session_usage(self, session_id: str) -> Usage:
        """Tokens, requests and cost over the tab's whole life (compaction included,
        across restarts); ``cost_usd`` is null when no price is known."""
        bridge = self.ai.bridges.get(session_id) if session_id in self.sessions else None
        if bridge is not None:
            return bridge.usage.summary()
        if self.archive is not None and await self.archive.get_session(session_id):
            return usage_summary(await self.archive.load_usage(session_id))
        self._session(session_id)
        return usage_summary([])

    @command
    async def get_conversation(self, session_id: str) -> list[Message]:
        """The tab's timeline as typed entries (DESIGN §4): prompts, answers, reasoning,
        tool calls with their results and approval decisions, compaction summaries, and
        turns that failed or were cancelled (a ``TurnError`` after what they did), and
        last the turn in flight: a turn streaming now (its prompt, what it streamed and
        called so far) or waiting for approvals (its calls ``pending``).

        A live tab's conversation is what its agent holds; an archived one's is read
        from the archive. Decisions come from the approvals audit when there is one.
        ``get_live_conversation`` gives the same with the event ``seq`` it is current
        to, to follow the turn in flight from there."""
        return list((await self.get_live_conversation(session_id)).messages)

    @command
    async def get_live_conversation(self, session_id: str) -> LiveConversation:
        """``get_conversation``'s entries as of one event of the session (``seq``), with
        the running turn's id and the approvals waiting now: how a front end opens a
        tab at any moment, even mid-stream, and follows it with no gap and no duplicate
        (subscribe to the session's events first; then apply only those with a greater
        ``seq``). An archived tab's ``seq`` is its last event's."""
        if not isinstance(session_id, str):
            raise InvalidParams("session_id must be a string.")
        s = self.sessions.get(session_id)
        unfinished: list[UnfinishedTurn] = []
        waiting: PendingTurn | None = None
        live: tuple[str | None, list[Message]] | None = None
        pending: tuple[PendingApprovalInfo, ...] = ()
        if s is not None:
            # Everything in memory is read here, with the seq, before anything awaits:
            # the reply is the state after exactly the events up to `seq`.
            bridge = self.ai.bridges.get(session_id)
            messages = list(bridge.history) if bridge is not None else []
            if bridge is not None:
                unfinished, waiting, live = list(bridge.unfinished), bridge.waiting, bridge.live()
                cwd = str(bridge.working_directory)
                pending = tuple(p.info(cwd) for p in bridge.approvals.pending())
            seq = self.bus.last_seq(session_id)
        elif self.archive is not None and await self.archive.get_session(session_id):
            seq = self.bus.last_seq(session_id)
            messages = await self.archive.load_context(session_id)
            unfinished = await self.archive.load_unfinished(session_id)
            waiting = await self.archive.load_pending(session_id)
        else:
            raise SessionNotFound(session_id)
        if waiting is not None and live is None:
            # A turn waiting for approvals since before a restart, not asked again yet:
            # its prompt and its calls, still pending, come last.
            messages += waiting.unsaved
        audit = []
        if self.archive is not None and (messages or unfinished or live):
            # Every decision about the calls read above was reported before they were
            # read. Later ones concern only the turn in flight: the events after `seq`
            # decide its calls the same way.
            await self.archive.flush()
            audit = await self.archive.load_audit(session_id)
        entries = build_conversation(messages, audit, unfinished)
        turn_id: str | None = None
        if live is not None:
            turn_id, running = live
            # Its calls of an earlier run (a turn continued after a restart) were
            # decided then: the audit says how.
            entries += with_decisions(running, audit)
        return LiveConversation(tuple(entries), seq, turn_id, pending)

    @command
    async def get_context_usage(self, session_id: str) -> ContextUsage:
        return self._bridge(session_id).context.usage()

    @command
    async def compact_context(self, session_id: str) -> CompactResult:
        """Summarize the older part of the conversation now (the archive keeps it all)."""
        return await self._bridge(session_id).compact()
