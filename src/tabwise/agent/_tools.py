"""The one agent definition all tabs share: instructions and tools.

A tab's own state (model, history, approvals, working directory) is passed per run
through ``TurnDeps``, so the shared :data:`AGENT` holds nothing of any tab and building
a session costs only a model object.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic_ai import Agent, RunContext
from pydantic_ai.capabilities import HandleDeferredToolCalls
from pydantic_ai.messages import ModelMessage
from pydantic_ai.tools import DeferredToolRequests, DeferredToolResults
from pydantic_ai.toolsets import FunctionToolset

from . import toolkit
from ._pending import results_for, snapshot_turn
from ._policy_toolset import PolicyToolset
from ._run_hooks import RunHooks

if TYPE_CHECKING:
    from ._approvals import ApprovalOutcome
    from ._bridge import AgentBridge
    from ._compaction import ContextGuard
    from ._usage import UsageMeter

__all__ = ["AGENT", "BUILTIN_TOOLS", "TurnDeps"]

INSTRUCTIONS = """\
You are the assistant inside one tab of tabwise, an AI terminal. You work in the tab's
working directory ({cwd}) on the user's machine. Use the tools to read files, edit them
and run commands there; the user approves writes and commands. Prefer small, exact
edits. Be concise; answer in Markdown.
"""


@dataclass(slots=True)
class TurnDeps:
    """Per-run dependencies: the tab's bridge and what the run needs of it.

    ``guard`` is the run's context guard and ``meter`` its usage meter (both called
    through the agent's :class:`~tabwise.agent._run_hooks.RunHooks`); ``carry`` the
    messages of this turn from an earlier run (a turn continued after a restart) that
    the archive does not hold yet, and ``compacted`` whether that earlier run compacted
    them; ``step_results`` the results of tool calls seen so far (to save a waiting
    turn with them); ``run_id`` the run's id, set at its first request (it tells the
    run's own messages apart when the run fails).
    """

    bridge: AgentBridge
    guard: ContextGuard | None = None
    meter: UsageMeter | None = None
    carry: list[ModelMessage] = field(default_factory=list)
    compacted: bool = False
    step_results: dict[str, Any] = field(default_factory=dict)
    run_id: str | None = None  # pydantic-ai's id of the run (its new messages carry it)

    @property
    def cwd(self) -> Path:
        return self.bridge.working_directory


async def _approve(ctx: RunContext[TurnDeps],
                   requests: DeferredToolRequests) -> DeferredToolResults:
    """Ask the tab's user about every call that needs approval, all at once.

    The waiting turn is saved first (durable before any request event goes out), so a
    quit or crash while the user decides does not lose it (see ``_pending``).
    """
    bridge = ctx.deps.bridge
    meta = {c.tool_call_id: requests.metadata.get(c.tool_call_id, {})
            for c in requests.approvals}
    risks = {cid: m.get("risk", "medium") for cid, m in meta.items()}
    reasons = {cid: tuple(m.get("reasons", ())) for cid, m in meta.items()}
    await bridge.hold(snapshot_turn(ctx, requests, risks, reasons))

    async def one(call: Any) -> tuple[str, ApprovalOutcome]:
        outcome = await bridge.ask_approval(call.tool_call_id, call.tool_name,
                                            call.args_as_dict(), risks[call.tool_call_id],
                                            reasons=reasons[call.tool_call_id])
        return call.tool_call_id, outcome

    outcomes = await asyncio.gather(*(one(c) for c in requests.approvals))
    await bridge.settle()
    return results_for(outcomes)


# The built-in tools: a plain FunctionToolset under the same policy wrapper as every
# MCP server's tools (issue #14). They cap their own output, so the wrapper does not.
BUILTIN_TOOLS: FunctionToolset[TurnDeps] = FunctionToolset()

AGENT: Agent[TurnDeps, str] = Agent(
    None,
    deps_type=TurnDeps,
    toolsets=[PolicyToolset(BUILTIN_TOOLS, max_result_bytes=None)],
    # The turn's guard and meter come in the deps: no per-run capability layer.
    capabilities=[HandleDeferredToolCalls(handler=_approve), RunHooks()],
    defer_model_check=True,
)


@AGENT.instructions
async def _instructions(ctx: RunContext[TurnDeps]) -> str:
    # async: pydantic-ai runs sync instruction functions in a thread, a hop per turn.
    bridge = ctx.deps.bridge
    rules = await bridge.rules.load(ctx.deps.cwd, bridge.agent_settings.instructions,
                                    bridge.publish)
    return INSTRUCTIONS.format(cwd=ctx.deps.cwd) + rules.text


@BUILTIN_TOOLS.tool
async def read_file(ctx: RunContext[TurnDeps], path: str, offset: int | None = None,
                    limit: int | None = None) -> str:
    """Read a text file (relative paths are in the working directory).

    Args:
        path: The file to read.
        offset: First line to return (1-based).
        limit: How many lines to return.
    """
    return await toolkit.read_file(ctx.deps.cwd, path, offset, limit)


@BUILTIN_TOOLS.tool
async def list_directory(ctx: RunContext[TurnDeps], path: str | None = None) -> str:
    """List a directory's entries (default: the working directory).

    Args:
        path: The directory to list.
    """
    return await toolkit.list_directory(ctx.deps.cwd, path)


@BUILTIN_TOOLS.tool
async def search_files(ctx: RunContext[TurnDeps], pattern: str, path: str | None = None,
                       glob: str | None = None) -> str:
    """Search file contents for a regular expression, line by line.

    The pattern uses RE2 syntax (like Python's re, without look-around or
    backreferences). A search stops after 10 seconds and says so; secret-looking files
    (.env, keys) are skipped.

    Args:
        pattern: The regular expression to look for.
        path: The directory or file to search (default: the working directory).
        glob: Only search files whose names match this glob, e.g. "*.py".
    """
    return await toolkit.search_files(ctx.deps.cwd, pattern, path, glob,
                                      rules=ctx.deps.bridge.secret_rules())


@BUILTIN_TOOLS.tool
async def write_file(ctx: RunContext[TurnDeps], path: str, content: str) -> str:
    """Create or overwrite a file with the given content.

    Args:
        path: The file to write.
        content: The complete new content.
    """
    return await toolkit.write_file(ctx.deps.cwd, path, content)


@BUILTIN_TOOLS.tool
async def edit_file(ctx: RunContext[TurnDeps], path: str, old_text: str, new_text: str) -> str:
    """Replace one exact occurrence of old_text with new_text in a file.

    Args:
        path: The file to edit.
        old_text: The exact text to replace; it must occur exactly once.
        new_text: The replacement text.
    """
    return await toolkit.edit_file(ctx.deps.cwd, path, old_text, new_text)


@BUILTIN_TOOLS.tool
async def run_command(ctx: RunContext[TurnDeps], command: str,
                      timeout_seconds: float | None = None) -> str:
    """Run a shell command in the working directory and return its output.

    Args:
        command: The command line, run by the user's shell.
        timeout_seconds: Give up after this many seconds (default 120, at most 600).
    """
    timeout = min(max(timeout_seconds or 120.0, 1.0), 600.0)
    bridge = ctx.deps.bridge
    return await toolkit.run_command(ctx.deps.cwd, command, timeout, bridge.shell,
                                     bridge.commands)
