"""Messages to and from the JSON the archive stores.

Each message is stored as its own JSON document, in exactly the form
``ModelMessagesTypeAdapter`` gives for one list element, so appending a turn never
rewrites what is already there. Loading glues the stored documents into one JSON array
and validates it with a single pydantic-core call: no per-row Python parsing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

import pydantic
import pydantic_core
from pydantic_ai.messages import (
    ModelMessage,
    ModelMessagesTypeAdapter,
    ModelRequest,
    UserPromptPart,
)

__all__ = ["dump_messages", "first_prompt", "load_messages", "warm_up"]

# Same config as ModelMessagesTypeAdapter (bytes as base64) so a stored element is
# byte-for-byte what the list adapter would write; defer_build keeps import cheap.
_ONE_MESSAGE: pydantic.TypeAdapter[ModelMessage] = pydantic.TypeAdapter(
    ModelMessage,
    config=pydantic.ConfigDict(defer_build=True, ser_json_bytes="base64",
                               val_json_bytes="base64"),
)

_SURROGATE = re.compile("[\ud800-\udfff]")

# Long enough to recognise a conversation in a list, short enough to keep rows small.
FIRST_PROMPT_CHARS = 200


def dump_messages(messages: Iterable[ModelMessage]) -> tuple[bytes, ...]:
    """One JSON document per message, in order.

    Text that UTF-8 cannot hold (a lone surrogate in a provider's answer or a tool's
    output) is stored with U+FFFD in its place rather than losing the whole turn.
    """
    return tuple(_dump_one(m) for m in messages)


def _dump_one(message: ModelMessage) -> bytes:
    try:
        return _ONE_MESSAGE.dump_json(message)
    except pydantic_core.PydanticSerializationError:
        data = _ONE_MESSAGE.dump_python(message, mode="json", warnings=False,
                                        fallback=_scrub)
        return json.dumps(_scrub(data), ensure_ascii=False,
                          separators=(",", ":")).encode("utf-8")


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def load_messages(bodies: Sequence[bytes]) -> list[ModelMessage]:
    """Messages from stored JSON documents, validated in one call."""
    if not bodies:
        return []
    return ModelMessagesTypeAdapter.validate_json(b"[" + b",".join(bodies) + b"]")


def warm_up() -> None:
    """Build the message (de)serialisers now, in the caller's (worker) thread.

    pydantic builds them on first use, which takes a good tenth of a second: without
    this the first ``append_messages`` would pay it on the event loop, and the first
    restore would pay it on top of its own work.
    """
    load_messages(dump_messages([ModelRequest(parts=[UserPromptPart("warm up")])]))


def first_prompt(messages: Iterable[ModelMessage]) -> str | None:
    """The text of the first user prompt among ``messages``, shortened, or None."""
    for message in messages:
        if not isinstance(message, ModelRequest):
            continue
        for part in message.parts:
            if not isinstance(part, UserPromptPart):
                continue
            if isinstance(part.content, str):
                text = part.content
            else:
                text = " ".join(c for c in part.content if isinstance(c, str))
            text = " ".join(text.split())
            if text:
                if len(text) > FIRST_PROMPT_CHARS:
                    text = text[: FIRST_PROMPT_CHARS - 1] + "…"
                return text
    return None
