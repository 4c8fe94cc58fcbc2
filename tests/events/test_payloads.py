"""The event classes (DESIGN §5): one frozen, slotted dataclass per type; deltas merge."""

from __future__ import annotations

import dataclasses

import pytest

from tabwise.events import (
    DELTA_TYPES,
    EVENT_TYPES,
    PAYLOAD_CLASSES,
    TERMINAL_TYPES,
    Event,
    EventBus,
    ReasoningDelta,
    SessionWarning,
    StateChanged,
    TextDelta,
    ToolCall,
    payload_class,
)


def test_every_type_has_one_frozen_slotted_class() -> None:
    names = [cls.type for cls in PAYLOAD_CLASSES]
    assert len(names) == len(set(names)) == len(EVENT_TYPES)
    for cls in PAYLOAD_CLASSES:
        assert dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__, cls
        assert cls.__dataclass_params__.frozen, cls  # type: ignore[attr-defined]
        assert payload_class(cls.type) is cls
    assert {"completed", "error", "cancelled"} == TERMINAL_TYPES
    assert {"text_delta", "reasoning_delta"} == DELTA_TYPES
    with pytest.raises(KeyError):
        payload_class("no_such_event")


def test_an_event_is_immutable_and_names_its_type() -> None:
    ev = Event("A", 1, 0.0, StateChanged("streaming"))
    assert ev.type == "state_changed"
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.payload.state = "idle"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.seq = 2  # type: ignore[misc]


def test_front_ends_match_on_the_classes() -> None:
    def show(ev: Event) -> str:
        match ev.payload:
            case TextDelta(delta=text):
                return f"text {text}"
            case StateChanged(state=state):
                return f"state {state}"
            case SessionWarning(message=message, context_window=None):
                return f"warning {message}"
            case SessionWarning(message=message, context_window=window):
                return f"window {window}: {message}"
        return "other"

    assert show(Event("A", 1, 0.0, TextDelta("hi"))) == "text hi"
    assert show(Event("A", 2, 0.0, StateChanged("idle"))) == "state idle"
    assert show(Event("A", 3, 0.0, SessionWarning("careful"))) == "warning careful"
    assert show(Event("A", 4, 0.0, SessionWarning("small", 8000, 4000))) == "window 4000: small"
    assert show(Event("A", 5, 0.0, ToolCall("c", "t", {}))) == "other"


def test_deltas_merge_into_the_later_seq_and_only_with_their_own_kind() -> None:
    a = Event("A", 3, 1.0, TextDelta("Hel"))
    b = Event("A", 4, 2.0, TextDelta("lo"))
    merged = a.merged_with(b)
    assert merged == Event("A", 4, 2.0, TextDelta("Hello"))
    assert type(ReasoningDelta("x").merged(ReasoningDelta("y"))) is ReasoningDelta
    with pytest.raises(TypeError):
        a.merged_with(Event("A", 5, 3.0, ReasoningDelta("hmm")))
    with pytest.raises(TypeError):
        a.merged_with(Event("A", 5, 3.0, StateChanged("idle")))


def test_a_slow_subscriber_gets_text_and_reasoning_merged_apart() -> None:
    bus = EventBus(soft_limit=1, hard_limit=1000)
    slow = bus.subscribe("A")
    for i in range(50):
        bus.publish("A", ReasoningDelta(f"r{i} "))
    for i in range(50):
        bus.publish("A", TextDelta(f"t{i} "))
    bus.publish("A", StateChanged("idle"))
    got = [slow.get_nowait() for _ in range(slow.pending())]
    assert [type(e.payload) for e in got] == [ReasoningDelta, TextDelta, StateChanged]
    assert got[0].payload == ReasoningDelta("".join(f"r{i} " for i in range(50)))
    assert got[1].payload == TextDelta("".join(f"t{i} " for i in range(50)))
    assert [e.seq for e in got] == [50, 100, 101]
