"""The one policy wrapper around every tool source (issue #14).

:class:`PolicyToolset` is a pydantic-ai ``WrapperToolset``: the built-in tools (a
``FunctionToolset``) and each MCP server's tools sit under it, and every call goes
through :func:`check_call` and so :func:`~tabwise.agent._policy.decide`, with the tab's
``[agent]`` approval, ``always_allow``/``never_allow`` (``<server>_<tool>`` or
``<server>_*``), this tab's "always" answers and the secret rules. A call that must ask
raises ``ApprovalRequired``, which the agent's ``HandleDeferredToolCalls`` capability
turns into the tab's approval card, and every decision lands in the approvals audit.
Tool errors become ``Error: ...`` text for the model; results of sources that do not cap
their own output (MCP servers) are clipped like ``run_command``'s. How each call ended
is recorded in its ``ToolReturnPart`` (archived, never sent to the model): a refusal of
the settings is pydantic-ai's ``ToolDenied`` (outcome ``denied``), and every call that
ran carries ``metadata`` ``{"tabwise_outcome": "ok" | "error"}``, so a front end never
has to guess from the text (a file that starts with "Error: " is still a success).

This replaced the per-tool guard (``_guarded`` in ``_tools``) that each built-in tool
called itself: a new tool source now gets the policy by being wrapped, not by
remembering to call it.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic_ai import ApprovalRequired, RunContext
from pydantic_ai.messages import BinaryContent, ToolReturn
from pydantic_ai.tools import ToolDenied as DenyCall
from pydantic_ai.toolsets import WrapperToolset
from pydantic_ai.toolsets.abstract import ToolsetTool

from ..events import ToolAutoApproved, ToolDenied
from ._conversation import outcome_metadata
from ._policy import ToolSource, decide
from .toolkit import ToolError
from .toolkit._limits import COMMAND_OUTPUT_MAX_BYTES

if TYPE_CHECKING:
    from ._tools import TurnDeps

__all__ = ["PolicyToolset", "ToolCallFailed", "check_call", "clip_result"]


class ToolCallFailed(Exception):
    """A wrapped tool failed in a way the model should read (``str()`` is the sentence)."""


def _as_text(result: Any) -> str:
    if isinstance(result, str):
        return result
    if isinstance(result, BinaryContent):
        return f"[{result.media_type} content, {len(result.data)} bytes, not shown]"
    if isinstance(result, list):
        return "\n".join(_as_text(r) for r in result)
    try:
        return json.dumps(result, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return str(result)


def clip_result(result: Any, max_bytes: int = COMMAND_OUTPUT_MAX_BYTES) -> str:
    """``result`` as text for the model, cut to its head and tail past ``max_bytes``."""
    text = _as_text(result)
    data = text.encode("utf-8", "replace")
    if len(data) <= max_bytes:
        return text
    half = max_bytes // 2
    head = data[:half].decode("utf-8", "ignore")
    tail = data[-half:].decode("utf-8", "ignore")
    return (f"{head}\n… [{len(data) - 2 * half} bytes of the tool's result cut; it returned "
            f"{len(data)} bytes, at most {max_bytes} are shown] …\n{tail}")


async def check_call(ctx: RunContext[TurnDeps], name: str, args: dict[str, Any],
                     source: ToolSource | None = None) -> str | None:
    """The tab's policy for one call, for every tool source (built-in tools call it from
    their guard, other toolsets through :class:`PolicyToolset`).

    Returns None when the call may run (auto-approved calls are announced and audited),
    the text for the model when the settings refuse it, and raises ``ApprovalRequired``
    when the user must answer (pydantic-ai then asks through the agent's handler and
    calls again with ``ctx.tool_call_approved``).
    """
    if ctx.tool_call_approved:
        return None
    deps = ctx.deps
    bridge = deps.bridge
    call_id = ctx.tool_call_id or ""
    # In a thread: resolving symbolic links touches the disk (maybe a slow mount).
    verdict = await asyncio.to_thread(
        decide, bridge.agent_settings, frozenset(bridge.approvals.tab_allowed), name, args,
        cwd=deps.cwd, rules=bridge.secret_rules(), source=source)
    if verdict.decision == "deny":
        reason = f"The user's settings never allow `{name}`."
        told = f"Denied: {reason}"
        bridge.publish(ToolDenied(call_id, name, reason, told))
        bridge.approvals.record(call_id, name, args, "policy", reason)
        return told
    if verdict.decision == "ask":
        raise ApprovalRequired(metadata={"risk": verdict.risk, "reasons": list(verdict.reasons)})
    bridge.publish(ToolAutoApproved(call_id, name))
    bridge.approvals.record(call_id, name, args, "auto")
    return None


@dataclass
class PolicyToolset(WrapperToolset["TurnDeps"]):
    """Apply the tab's approval policy and output cap to every call of ``wrapped``.

    ``source`` names the server the tools come from (its ``approval = "auto"`` allows
    without asking, never past ``never_allow`` or the secret rules).
    """

    source: ToolSource | None = None
    # Results longer than this are cut (None: the tools cap their own, as built-ins do).
    max_result_bytes: int | None = COMMAND_OUTPUT_MAX_BYTES

    async def call_tool(self, name: str, tool_args: dict[str, Any], ctx: RunContext[TurnDeps],
                        tool: ToolsetTool[TurnDeps]) -> Any:
        denied = await check_call(ctx, name, tool_args, self.source)
        if denied is not None:
            return DenyCall(denied)
        try:
            result = await self.wrapped.call_tool(name, tool_args, ctx, tool)
        except (ToolCallFailed, ToolError) as exc:
            return ToolReturn(f"Error: {exc}", metadata=outcome_metadata("error"))
        if isinstance(result, ToolReturn):  # a source's own structured return
            return result
        if self.max_result_bytes is not None:
            result = clip_result(result, self.max_result_bytes)
        return ToolReturn(result, metadata=outcome_metadata("ok"))
