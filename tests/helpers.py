"""Small helpers for tests that drive the command layer."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tabwise.api import AiConfig, SessionInfo, Usage, to_json
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


def ai(provider: str, model: str) -> AiConfig:
    return AiConfig(provider, model)


def usage_of(d: dict[str, Any]) -> Usage:
    """A ``get_session_usage`` result from the keys given (the rest zero)."""
    return Usage(d.get("input_tokens", 0), d.get("output_tokens", 0), d.get("requests", 0),
                 d.get("cost_usd"), d.get("unpriced_requests", 0), ())


def session_of(d: dict[str, Any]) -> SessionInfo:
    """A SessionInfo from the keys given (the rest empty), as a front end gets one."""
    cfg = d.get("ai_config")
    usage = d.get("usage")
    return SessionInfo(
        d["session_id"], d.get("name", ""), d.get("working_directory", ""),
        d.get("created_at", 0), d.get("updated_at", 0), d.get("position", 0),
        AiConfig(**cfg) if cfg else None, d.get("ai_status", "archived"),
        d.get("live", False), d.get("closed", False), d.get("forked_from"),
        tuple(d.get("mcp_servers", ())), first_prompt=d.get("first_prompt"),
        usage=usage_of(usage) if usage else None)
