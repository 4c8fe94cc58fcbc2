"""The event bus: per-session seq, routing, and slow subscribers that never block."""

from __future__ import annotations

import pytest

from tabwise.events import EventBus, SubscriptionOverflow


def test_seq_is_per_session_and_routing_is_by_session() -> None:
    bus = EventBus()
    a, b, everything = bus.subscribe("A"), bus.subscribe("B"), bus.subscribe()
    bus.publish("A", "started", turn_id="t")
    bus.publish("B", "started", turn_id="u")
    bus.publish("A", "completed", response="x")
    got_a = [a.get_nowait() for _ in range(a.pending())]
    got_b = [b.get_nowait() for _ in range(b.pending())]
    assert [(e.session_id, e.seq) for e in got_a] == [("A", 1), ("A", 2)]
    assert [(e.session_id, e.seq) for e in got_b] == [("B", 1)]
    assert everything.pending() == 3
    assert got_a[1].to_dict()["response"] == "x"


def test_a_slow_subscriber_gets_merged_deltas_and_loses_no_text() -> None:
    bus = EventBus(soft_limit=10, hard_limit=1000)
    slow = bus.subscribe("A")
    for i in range(500):
        bus.publish("A", "text_delta", delta=str(i % 10))
    bus.publish("A", "completed", response="done")
    events = [slow.get_nowait() for _ in range(slow.pending())]
    assert len(events) < 20
    text = "".join(e.data["delta"] for e in events if e.type == "text_delta")
    assert text == "".join(str(i % 10) for i in range(500))
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and seqs[-1] == 501


async def test_a_subscriber_that_never_reads_is_dropped_not_waited_for() -> None:
    bus = EventBus(soft_limit=2, hard_limit=5)
    stuck = bus.subscribe("A")
    for i in range(10):
        bus.publish("A", "tool_call", request_id=str(i))  # not mergeable
    assert stuck.closed and stuck.overflowed
    for _ in range(stuck.pending()):
        stuck.get_nowait()
    with pytest.raises(SubscriptionOverflow):
        await stuck.get()
    # Publishing goes on for everyone else.
    other = bus.subscribe("A")
    bus.publish("A", "completed", response="x")
    assert other.pending() == 1


async def test_closed_subscription_ends_iteration() -> None:
    bus = EventBus()
    sub = bus.subscribe("A")
    bus.publish("A", "warning", message="hi")
    sub.close()
    got = [ev.type async for ev in sub]
    assert got == ["warning"]
