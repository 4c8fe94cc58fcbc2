"""How a turn that ends without an answer is recorded (see ``UnfinishedTurn``): which
messages were its own, and the sentences for a cancel and a quit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic_ai.messages import ModelMessage, ModelRequest, UserContent, UserPromptPart

from ..api._conversation import TURN_CANCELLED

if TYPE_CHECKING:
    from ._compaction import ContextGuard
    from ._tools import TurnDeps

__all__ = ["CANCELLED", "QUIT", "Resumed", "turn_messages"]

# (message, error_type) of the TurnError of a turn the user cancelled, or that was
# stopped because tabwise quit while it streamed.
CANCELLED = (TURN_CANCELLED, "cancelled")
QUIT = ("The turn was stopped: tabwise quit before it finished.", "cancelled")


@dataclass(slots=True)
class Resumed:
    """How far a continued turn got: asking its questions again, then going on."""

    asking: bool = False
    driving: bool = False  # in _drive, which records the turn's end itself


def turn_messages(captured: list[ModelMessage], deps: TurnDeps, guard: ContextGuard,
                  prompt: str | Sequence[UserContent] | None) -> list[ModelMessage]:
    """The messages of a turn that ended early: from an earlier run (a continued
    turn), folded by a compaction mid-turn, then this run's own (pydantic-ai captures a
    partial answer too), with the prompt first even if the run never got to it."""
    carried = {id(m) for m in deps.carry}
    own = [m for m in captured
           if deps.run_id is not None and m.run_id == deps.run_id and id(m) not in carried]
    messages = [*deps.carry, *guard.folded, *own]
    if prompt is not None and not any(isinstance(p, UserPromptPart) for m in messages
                                      if isinstance(m, ModelRequest) for p in m.parts):
        messages.insert(0, ModelRequest(parts=[UserPromptPart(prompt)]))
    return messages
