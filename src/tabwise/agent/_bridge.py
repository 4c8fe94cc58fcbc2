"""One tab's AI session: its model, conversation, approvals and running turn.

The bridge is the unit of isolation (DESIGN §1). It owns nothing shared but the event
bus and, through the provider registry, HTTP connection pools. A model switch swaps
only ``_built``; the history (pydantic-ai messages, provider-neutral) stays.

``history`` is what is sent to the model. Compaction (``_compaction``) replaces its older
part with a summary; the hooks still see every message (``messages_added``) and are
told what is sent from then on (``history_replaced``), so the archive keeps it all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import time
import uuid
from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic_ai import RunContext, capture_run_messages
from pydantic_ai.messages import (
    AgentStreamEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessage,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ThinkingPart,
    ThinkingPartDelta,
    UserContent,
)
from pydantic_ai.tools import DeferredToolResults
from pydantic_ai.usage import UsageLimits

from ..api import AiConfig, CompactResult, Message, UserPrompt
from ..api.views import ConversationFold
from ..errors import ProviderError, SessionBusy, TurnCancelled
from ..events import (
    AgentState,
    AiConfigChanged,
    Cancelled,
    Completed,
    ContextUsageChanged,
    ContextWarning,
    Error,
    EventBus,
    Payload,
    ReasoningDelta,
    SessionWarning,
    Started,
    StateChanged,
    TextDelta,
    ToolApprovalRequest,
    ToolCall,
    ToolDenied,
    ToolResult,
)
from ..providers import BuiltModel
from ..settings import Settings
from ._approvals import ApprovalOutcome, Approvals, AuditRecord, PendingApproval
from ._bridge_hooks import BridgeHooks
from ._compaction import (
    Compaction,
    CompactionFailed,
    ContextGuard,
    ContextOverflow,
    run_compaction,
)
from ._context import ContextBudget
from ._conversation import UnfinishedTurn, build_conversation, prompt_content, tool_status
from ._errors import describe_failure
from ._instructions import RulesWatcher
from ._pending import PendingTurn, denial_reason, results_for
from ._tools import AGENT, TurnDeps
from ._turn_end import CANCELLED, QUIT, Resumed, turn_messages
from ._usage import RequestCost, TurnCost, UsageLedger, UsageMeter
from .toolkit import CommandTracker, SecretRules

T = TypeVar("T")

__all__ = ["AgentBridge"]


class AgentBridge:
    """Per-session agent state. Created by :class:`~tabwise.agent.AiState`."""

    def __init__(self, session_id: str, bus: EventBus, built: BuiltModel, settings: Settings,
                 *, working_directory: Path, history: list[ModelMessage] | None = None,
                 hooks: BridgeHooks | None = None, protected: tuple[Path, ...] = ()) -> None:
        self.session_id = session_id
        self.bus = bus
        self.hooks = hooks or BridgeHooks()
        self.working_directory = working_directory
        # The secret-path list (DESIGN §4), with tabwise's own directories (settings,
        # archive, token, logs); resolved once here rather than at every tool call.
        self._secret_rules = SecretRules.for_user(protected)
        # Every process this tab's run_command calls started; stopped at shutdown.
        self.commands = CommandTracker()
        self._settings = settings
        self._built = built
        self.history: list[ModelMessage] = list(history or [])
        # Turns since the history was last replaced that ended without an answer (for
        # get_conversation; the model is not sent them). Seeded from the archive.
        self.unfinished: list[UnfinishedTurn] = []
        self.approvals = Approvals(session_id, self.hooks.audit)
        self.rules = RulesWatcher()  # AGENTS.md / CLAUDE.md / [agent] instructions
        # The tab's MCP toolsets for each run, under the policy wrapper (issue #14).
        self.mcp_toolsets: Callable[[], list[Any]] = list
        # Awaited before a turn saved by an earlier process continues: its calls may name
        # MCP tools whose servers are still starting (set by the core).
        self.tools_ready: Callable[[], Awaitable[None]] | None = None
        self.context = ContextBudget(built.context_window, settings.context)
        # The running turn or manual compaction: one at a time per tab.
        self._turn: asyncio.Task[Any] | None = None
        self._state: AgentState = "idle"  # see `state`
        self.closed = False
        self.usage = UsageLedger()
        self._turn_cost = TurnCost()
        self._waiting: PendingTurn | None = None  # the saved turn while approvals wait
        # The turn in flight as get_conversation shows it, kept by its own events (see
        # `live`), and its `started` id.
        self._live: ConversationFold | None = None
        self._live_id: str | None = None
        if self.history:
            self.context.observe(self.history)

    # -- configuration ---------------------------------------------------------------

    @property
    def provider(self) -> str:
        return self._built.provider

    @property
    def model_name(self) -> str:
        return self._built.model_name

    @property
    def built(self) -> BuiltModel:
        return self._built

    @property
    def config(self) -> AiConfig:
        return AiConfig(self._built.provider, self._built.model_name)

    @property
    def agent_settings(self) -> Any:
        return self._settings.agent

    @property
    def shell(self) -> str:
        return self._settings.terminal.resolved_shell()

    def secret_rules(self) -> SecretRules:
        """The secret-path list for this tab's tools."""
        return self._secret_rules

    def update_settings(self, settings: Settings) -> None:
        self._settings = settings
        self.context.settings = settings.context

    def switch(self, built: BuiltModel) -> None:
        """Use ``built`` from the next request on; the conversation is kept.

        A smaller window is announced with a ``warning``; if the conversation no longer
        fits it, the next request compacts it first.
        """
        old, old_window = self._built, self.context.max_tokens
        self._built = built
        self.context.max_tokens = built.context_window
        self.hooks.config_changed(self.session_id, built.provider, built.model_name)
        self.publish(AiConfigChanged(built.provider, built.model_name))
        new_window = self.context.max_tokens
        if new_window < old_window:
            self.context.observe(self.history)
            message = (f"{built.provider} · {built.model_name} has a smaller context window "
                       f"({new_window:,} tokens) than {old.provider} · {old.model_name} "
                       f"({old_window:,} tokens)")
            if self.context.used_tokens >= self.context.compaction_limit:
                message += ("; the conversation (about "
                            f"{self.context.used_tokens:,} tokens) will be compacted before "
                            "the next request.")
            else:
                message += "."
            self.publish(SessionWarning(message, previous_context_window=old_window,
                                        context_window=new_window))
        self._publish_usage()

    # -- events ------------------------------------------------------------------------

    def publish(self, payload: Payload) -> None:
        if self._live is not None:
            self._live.apply(payload)
        self.bus.publish(self.session_id, payload)

    def live(self) -> tuple[str | None, list[Message]] | None:
        """The turn in flight, if any: its ``started`` id and its entries so far (its
        prompt first), current to this tab's last event (nothing awaits between an
        event and its effect here)."""
        if self._live is None:
            return None
        entries = self._live.messages
        if entries and isinstance(first := entries[0], UserPrompt):
            # It forks from before itself: the history now (a compaction mid-turn may
            # have shortened it since the turn began).
            entries[0] = dataclasses.replace(first, message_index=len(self.history))
        return self._live_id, entries

    @property
    def state(self) -> AgentState:
        """idle | streaming | awaiting_approval | error; every change is published as
        ``state_changed``, the one source of a tab's state for every front end."""
        return self._state

    @state.setter
    def state(self, state: AgentState) -> None:
        # Set after the event that caused the change (``completed`` before ``idle``), so
        # a front end that sends the next prompt on ``idle`` has drawn the turn's end.
        if state != self._state:
            self._state = state
            self.publish(StateChanged(state))

    # -- turns -------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._turn is not None and not self._turn.done()

    async def prompt(self, text: str, context: str | None = None) -> str:
        """Run one turn; streams events and returns the final text."""
        return await self._exclusive(lambda: self._run_turn(text, context), "turn")

    async def _exclusive(self, make: Callable[[], Coroutine[Any, Any, T]], kind: str) -> T:
        """Run ``make()`` as this tab's one busy task (a turn or a compaction)."""
        if self.busy:
            raise SessionBusy(self.session_id)
        task = asyncio.create_task(make(), name=f"{kind}-{self.session_id}")
        self._turn = task
        try:
            # Shielded: a caller that goes away (a dropped connection) does not end the
            # work; cancel_ai_prompt / shutdown do.
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled() and not _current_task_cancelling():
                raise TurnCancelled(self.session_id) from None
            raise

    def cancel(self) -> bool:
        """Cancel the running turn; True if there was one."""
        if not self.busy:
            return False
        assert self._turn is not None
        self.approvals.deny_all("The turn was cancelled.")
        self.release()
        self._turn.cancel()
        return True

    async def stop_turn(self) -> bool:
        """Cancel the running turn and return once it has ended and its record (an
        unfinished turn, in the conversation) is durable; True if there was one."""
        if not self.cancel():
            return False
        await self.wait_idle()
        await self.hooks.flush()
        return True

    async def wait_idle(self) -> None:
        if self._turn is not None:
            await asyncio.wait([self._turn])

    async def shutdown(self, *, keep_pending: bool = False) -> None:
        """Cancel the turn, deny pending approvals, stop every process the tab's commands
        started (background ones too); idempotent.

        With ``keep_pending`` (the app quits) approvals are not denied: the saved
        waiting turn stays for the next start (DESIGN §7).
        """
        if keep_pending:
            self.approvals.suspended = True
            if self.busy:
                assert self._turn is not None
                self._turn.cancel()
        else:
            self.cancel()
        await self.wait_idle()
        self.rules.close()
        self.closed = True
        await self.commands.stop_all()

    def clear(self) -> None:
        self.history.clear()
        self.context.observe(self.history)
        self._history_replaced()
        self._publish_usage()

    def _history_replaced(self) -> None:
        # Unfinished turns show until the history is replaced (the archive forgets them
        # with the old context too).
        self.unfinished.clear()
        self.hooks.history_replaced(self.session_id, list(self.history))

    # -- context ---------------------------------------------------------------------

    def _publish_usage(self) -> None:
        c = self.context
        used, limit, share = c.used_tokens, c.max_tokens, round(c.utilization, 4)
        self.publish(ContextUsageChanged(used, limit, share))
        if c.crossed_warning():
            self.publish(ContextWarning(used, limit, share))

    def report_usage(self, used_tokens: int) -> None:
        """A new measure of the window in use (after a response or a compaction)."""
        self.context.used_tokens = used_tokens
        self._publish_usage()

    def commit_history(self, messages: list[ModelMessage]) -> None:
        """Make ``messages`` (a compacted conversation) what is sent from now on."""
        self.history = list(messages)
        self._history_replaced()

    async def compact(self) -> CompactResult:
        """Summarize the older part of the conversation now, with this tab's own model.

        Keeps the last turn verbatim. Returns the sizes before and after (equal when
        there is nothing to fold). Raises :class:`SessionBusy` during a turn,
        :class:`ProviderError` if the summary request fails (the conversation is then
        unchanged).
        """
        return await self._exclusive(self._compact_now, "compact")

    async def _compaction(self, messages: list[ModelMessage], built: BuiltModel,
                          trigger: str) -> Compaction | None:
        """Compact ``messages`` with ``built``, metered and announced as this tab's."""
        return await run_compaction(messages, built=built, budget=self.context,
                                    trigger=trigger, publish=self.publish,
                                    capabilities=[self.meter(built)])

    def _guard(self, built: BuiltModel) -> ContextGuard:
        """The context guard of one run of a turn with ``built``."""
        async def compact(messages: list[ModelMessage]) -> Compaction | None:
            return await self._compaction(messages, built, "auto")

        return ContextGuard(self.context, built, compact, self.commit_history,
                            self.report_usage)

    async def _compact_now(self) -> CompactResult:
        messages = list(self.history)
        try:
            done = await self._compaction(messages, self._built, "manual")
        except CompactionFailed as exc:
            raise ProviderError(exc.message, exc.error_type) from exc
        if done is None:
            used = self.context.estimate(messages)
            return CompactResult(used, used, len(messages), len(messages))
        self.commit_history(done.messages)
        self.report_usage(done.tokens_after)
        return done.result()

    # -- usage -----------------------------------------------------------------------

    def meter(self, built: BuiltModel | None = None) -> UsageMeter:
        """A capability that meters one run's model requests for this tab."""
        b = built or self._built
        return UsageMeter(b.provider_settings, b.model_name, self._record_usage)

    def _record_usage(self, cost: RequestCost) -> None:
        self.usage.add(cost)
        self._turn_cost.add(cost)
        self.hooks.usage_recorded(self.session_id, cost)

    # -- approvals that survive a restart (see _pending) --------------------------------

    @property
    def waiting(self) -> PendingTurn | None:
        """The turn that waits for approvals (saved, so it survives a restart), if any."""
        return self._waiting

    async def hold(self, turn: PendingTurn) -> None:
        """Save the turn that now waits for approvals; returns once it is durable."""
        self._waiting = turn
        await self.hooks.pending_saved(turn)

    def release(self) -> None:
        """The waiting turn's calls are all answered (or the turn is cancelled)."""
        if self._waiting is not None:
            self._waiting = None
            self.hooks.pending_dropped(self.session_id)

    async def settle(self) -> None:
        """Every call is answered: forget the saved turn durably before any tool runs,
        so a crash from here on can lose the turn but never run a tool twice."""
        if self._waiting is not None:
            self.release()
            await self.hooks.flush()

    def resume(self, turn: PendingTurn) -> None:
        """Ask again about a turn saved by an earlier process, and continue it once
        answered. The tab is busy meanwhile, as while any turn waits."""
        if self.busy:
            raise SessionBusy(self.session_id)
        self._waiting = turn
        # Pending at once (for get_pending_approvals), before the task first runs.
        opened = {c.request_id: self.approvals.open(c.request_id, c.tool_name, c.args, c.risk,
                                                    c.created_at, c.reasons)
                  for c in turn.calls if c.decision is None}
        self.state = "awaiting_approval"
        progress = Resumed()
        task = asyncio.create_task(self._resume(turn, opened, progress),
                                   name=f"resume-{self.session_id}")
        task.add_done_callback(functools.partial(self._resume_done, turn, progress))
        self._turn = task

    def _resume_done(self, turn: PendingTurn, progress: Resumed,
                     task: asyncio.Task[Any]) -> None:
        if not progress.driving:
            self._live = None  # ended before it went on (_drive clears its own)
        # A continued turn has no caller: its failure was published as an `error` event.
        if not task.cancelled():
            task.exception()
            return
        if not progress.driving and not self.approvals.suspended:
            # Cancelled while asking again: the turn (its prompt, its calls) ends here.
            # (Quitting keeps it saved for the next start instead.)
            if not progress.asking:  # cancelled before it ran: no ask() audited them
                for c in turn.calls:
                    if c.decision is None:
                        self.approvals.record(c.request_id, c.tool_name, c.args,
                                              "cancelled", CANCELLED[0])
            self._unfinished("", list(turn.unsaved), *CANCELLED)
        if self.state == "awaiting_approval":
            # Cancelled before the turn went on (no `started` yet, maybe before the task
            # ever ran): front ends still learn the questions are gone. Quitting keeps
            # them, silently.
            if self.approvals.suspended:
                self._state = "idle"  # quitting: no one is told, the questions stay
            else:
                self.publish(Cancelled(turn_id=None))
                self.state = "idle"

    async def _resume(self, turn: PendingTurn, opened: dict[str, PendingApproval],
                      progress: Resumed) -> str:
        progress.asking = True
        answered = [(c.request_id, ApprovalOutcome(c.decision not in ("deny", "timeout"),
                                                   c.decision, c.reason))
                    for c in turn.calls if c.decision is not None]
        asked = await asyncio.gather(*(self._ask_again(pa) for pa in opened.values()))
        # The turn goes on: from here it shows as the turn in flight (its saved part,
        # with the answers), no longer as the saved waiting turn.
        self._live = self._continued(turn, [*answered, *asked])
        await self.settle()
        if self.tools_ready is not None:
            await self.tools_ready()
        deps = TurnDeps(self, carry=list(turn.unsaved), compacted=turn.compacted)
        results = results_for([*answered, *asked])
        progress.driving = True
        return await self._drive(None, list(turn.context), deps, self._live,
                                 deferred=results)

    def _continued(self, turn: PendingTurn,
                   outcomes: Sequence[tuple[str, ApprovalOutcome]]) -> ConversationFold:
        """The fold of a saved turn that goes on: its entries so far, decided."""
        names = {c.request_id: c.tool_name for c in turn.calls}
        records = [AuditRecord(self.session_id, rid, names.get(rid, ""), {}, o.decision,
                               o.reason, 0.0) for rid, o in outcomes]
        return ConversationFold(build_conversation(turn.unsaved, records))

    async def _ask_again(self, pa: PendingApproval) -> tuple[str, ApprovalOutcome]:
        outcome = await self.ask_approval(pa.request_id, pa.tool_name, pa.args, pa.risk, pa)
        return pa.request_id, outcome

    async def ask_approval(self, request_id: str, tool_name: str, args: dict[str, Any],
                           risk: str, opened: PendingApproval | None = None,
                           reasons: tuple[str, ...] = ()) -> ApprovalOutcome:
        def on_open(pa: PendingApproval) -> None:
            self.publish(ToolApprovalRequest(request_id, tool_name, args, risk,
                                             tuple(pa.reasons), str(self.working_directory)))
            self.state = "awaiting_approval"

        outcome = await self.approvals.ask(
            request_id, tool_name, args, risk, self._settings.agent.approval_timeout_seconds,
            on_open, opened, reasons=reasons)
        if not self.approvals.pending():
            self.state = "streaming"
        if self._waiting is not None and outcome.decision != "cancelled":
            self._waiting = self._waiting.answered(request_id, outcome.decision, outcome.reason)
            self.hooks.pending_answered(self.session_id, request_id, outcome.decision,
                                        outcome.reason)
        if not outcome.approved:
            told = denial_reason(outcome)
            self.publish(ToolDenied(request_id, tool_name, outcome.reason or told, told))
        return outcome

    async def _run_turn(self, text: str, context: str | None) -> str:
        # The terminal context is a part of its own: the typed prompt stays as typed.
        prompt = prompt_content(text, context, self.working_directory)
        # The turn's `started` names its prompt: the fold (like every front end's) adds
        # it from there.
        shown = UserPrompt(text, bool(context), len(self.history))
        return await self._drive(prompt, list(self.history), TurnDeps(self),
                                 ConversationFold(), shown)

    async def _drive(self, prompt: str | Sequence[UserContent] | None,
                     history: list[ModelMessage], deps: TurnDeps,
                     live: ConversationFold | None, shown: UserPrompt | None = None,
                     deferred: DeferredToolResults | None = None) -> str:
        """One run of a turn: a new prompt (``shown`` as the conversation shows it), or
        (``deferred``) a saved turn continued. ``live`` is the turn as shown so far
        (empty, or a continued turn's part)."""
        turn_id = uuid.uuid4().hex[:12]
        built = self._built
        self._live, self._live_id = live, turn_id
        if shown is None:
            self.publish(Started(turn_id, built.provider, built.model_name))
        else:
            self.publish(Started(turn_id, built.provider, built.model_name, shown.text,
                                 shown.with_terminal, shown.message_index))
        self.state = "streaming"
        self._turn_cost = TurnCost()
        started = time.perf_counter()
        guard = deps.guard = self._guard(built)
        deps.meter = self.meter(built)
        if prompt is not None:
            # The rules check hops to a thread: start it now, while pydantic-ai prepares
            # the first request. (A continued turn runs tools first: they may edit them.)
            self.rules.prefetch(self.working_directory, self._settings.agent.instructions)
        try:
            with capture_run_messages() as captured:
                result = await AGENT.run(
                    prompt,
                    model=built.model,
                    message_history=history,
                    deferred_tool_results=deferred,
                    deps=deps,
                    toolsets=self.mcp_toolsets(),
                    model_settings=built.settings,
                    usage_limits=UsageLimits(
                        request_limit=self._settings.agent.max_tool_iterations + 1),
                    event_stream_handler=self._stream_handler,
                )
        except asyncio.CancelledError:
            self._live = None  # from here on it is an unfinished turn (or kept saved)
            quitting = self.approvals.suspended
            self.approvals.deny_all("The turn was cancelled.")
            self.publish(Cancelled(turn_id))
            self.state = "idle"
            if not (quitting and self._waiting is not None):  # else kept for next start
                self._unfinished(turn_id, turn_messages(captured, deps, guard, prompt),
                                 *(QUIT if quitting else CANCELLED))
                await self.hooks.flush()
            raise
        except Exception as exc:
            self._live = None
            message, kind = ((exc.message, "context_window") if isinstance(exc, ContextOverflow)
                             else describe_failure(exc))
            self.publish(Error(turn_id, message, kind))
            self.state = "error"
            # Part of the conversation (get_conversation), durable before the error is
            # reported: a restart or another front end shows the prompt and why it failed.
            self._unfinished(turn_id, turn_messages(captured, deps, guard, prompt),
                             message, kind)
            await self.hooks.flush()
            raise ProviderError(message, kind) from exc
        finally:
            self.rules.drop_prefetch()
            # Done: the turn is in the history (below, before anything awaits) or
            # recorded as unfinished.
            self._live = self._live_id = None
        new = [*deps.carry, *result.new_messages()]
        if guard.folded or deps.compacted or (deps.carry and guard.compacted):
            # The turn's own earlier steps were folded into a summary mid-turn (or a
            # continued turn's context is not the archived one plus this turn): record
            # them all, then say what is sent from now on.
            self.history = result.all_messages()
            self.hooks.messages_added(self.session_id, [*guard.folded, *new])
            self._history_replaced()
        else:
            self.history.extend(new)
            self.hooks.messages_added(self.session_id, new)
        usage = result.usage
        self.context.observe(self.history)
        self.publish(Completed(turn_id, result.output, usage.input_tokens,
                               usage.output_tokens, self._turn_cost.rounded,
                               round((time.perf_counter() - started) * 1000, 1)))
        self.state = "idle"
        self._publish_usage()
        return result.output

    def _unfinished(self, turn_id: str, messages: list[ModelMessage], message: str,
                    error_type: str) -> None:
        turn = UnfinishedTurn(turn_id, message, error_type, tuple(messages),
                              len(self.history), time.time())
        self.unfinished.append(turn)
        self.hooks.turn_unfinished(self.session_id, turn)

    async def _stream_handler(self, ctx: RunContext[TurnDeps],
                              events: AsyncIterable[AgentStreamEvent]) -> None:
        publish = self.publish
        async for ev in events:
            if isinstance(ev, PartDeltaEvent):
                d = ev.delta
                if isinstance(d, TextPartDelta):
                    if d.content_delta:
                        publish(TextDelta(d.content_delta))
                elif isinstance(d, ThinkingPartDelta) and d.content_delta:
                    publish(ReasoningDelta(d.content_delta))
            elif isinstance(ev, PartStartEvent):
                p = ev.part
                if isinstance(p, TextPart):
                    if p.content:
                        publish(TextDelta(p.content))
                elif isinstance(p, ThinkingPart) and p.content:
                    publish(ReasoningDelta(p.content))
            elif isinstance(ev, FunctionToolCallEvent):
                call = ev.part
                publish(ToolCall(call.tool_call_id, call.tool_name, call.args_as_dict()))
            elif isinstance(ev, FunctionToolResultEvent):
                ret = ev.part
                ctx.deps.step_results[ret.tool_call_id] = ret
                status = tool_status(ret)
                if status == "denied":
                    continue  # tool_denied was published when it was decided
                content = ret.content if isinstance(ret.content, str) else str(ret.content)
                publish(ToolResult(ret.tool_call_id, ret.tool_name, status == "ok", content))


def _current_task_cancelling() -> bool:
    task = asyncio.current_task()
    return bool(task and task.cancelling())
