"""The event bus: per-session seq, routing, and slow subscribers that never block."""

from __future__ import annotations

import pytest

from tabwise.events import (
    Completed,
    EventBus,
    SessionWarning,
    Started,
    SubscriptionOverflow,
    TextDelta,
    ToolCall,
)


def done(response: str) -> Completed:
    return Completed("t", response, 0, 0, None, 1.0)


def test_seq_is_per_session_and_routing_is_by_session() -> None:
    bus = EventBus()
    a, b, everything = bus.subscribe("A"), bus.subscribe("B"), bus.subscribe()
    bus.publish("A", Started("t", "p", "m"))
    bus.publish("B", Started("u", "p", "m"))
    bus.publish("A", done("x"))
    got_a = [a.get_nowait() for _ in range(a.pending())]
    got_b = [b.get_nowait() for _ in range(b.pending())]
    assert [(e.session_id, e.seq) for e in got_a] == [("A", 1), ("A", 2)]
    assert [(e.session_id, e.seq) for e in got_b] == [("B", 1)]
    assert everything.pending() == 3
    assert got_a[1].payload.response == "x"


def test_a_slow_subscriber_gets_merged_deltas_and_loses_no_text() -> None:
    bus = EventBus(soft_limit=10, hard_limit=1000)
    slow = bus.subscribe("A")
    for i in range(500):
        bus.publish("A", TextDelta(str(i % 10)))
    bus.publish("A", done("done"))
    events = [slow.get_nowait() for _ in range(slow.pending())]
    assert len(events) < 20
    text = "".join(e.payload.delta for e in events if e.type == "text_delta")
    assert text == "".join(str(i % 10) for i in range(500))
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and seqs[-1] == 501


async def test_a_subscriber_that_never_reads_is_dropped_not_waited_for() -> None:
    bus = EventBus(soft_limit=2, hard_limit=5)
    stuck = bus.subscribe("A")
    for i in range(10):
        bus.publish("A", ToolCall(str(i), "t", {}))  # not mergeable
    assert stuck.closed and stuck.overflowed
    for _ in range(stuck.pending()):
        stuck.get_nowait()
    with pytest.raises(SubscriptionOverflow):
        await stuck.get()
    # Publishing goes on for everyone else.
    other = bus.subscribe("A")
    bus.publish("A", done("x"))
    assert other.pending() == 1


async def test_closed_subscription_ends_iteration() -> None:
    bus = EventBus()
    sub = bus.subscribe("A")
    bus.publish("A", SessionWarning("hi"))
    sub.close()
    got = [ev.type async for ev in sub]
    assert got == ["warning"]
