"""Small helpers for tests that drive the command layer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tabwise.api import to_json
from tabwise.events import Event, Subscription

# API keys the test providers read from the environment (see conftest.make_home).
KEY1 = "sk-test-key-one-SECRET-1111"
KEY2 = "sk-test-key-two-SECRET-2222"


async def collect_until(sub: Subscription, pred: Callable[[Event], bool],
                        timeout: float = 10.0) -> list[Event]:
    """Events from ``sub`` up to and including the first one matching ``pred``."""
    out: list[Event] = []

    async def run() -> None:
        while True:
            ev = await sub.get()
            out.append(ev)
            if pred(ev):
                return

    await asyncio.wait_for(run(), timeout)
    return out


def fields(ev: Event) -> dict[str, Any]:
    """The event's own fields (its payload) as plain data."""
    data: dict[str, Any] = to_json(ev.payload)
    return data


def of_type(events: list[Event], type_: str) -> list[Event]:
    return [e for e in events if e.type == type_]


def text_of(events: list[Event]) -> str:
    return "".join(e.payload.delta for e in events if e.type == "text_delta")


def terminal(ev: Event) -> bool:
    return ev.type in ("completed", "error", "cancelled")


def ai(provider: str, model: str) -> dict[str, Any]:
    return {"provider": provider, "model": model}
