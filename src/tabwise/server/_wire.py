"""Events on the wire (DESIGN §5): the one place an :class:`~tabwise.events.Event` becomes
JSON, and back.

The wire object is the envelope's ``session_id``, ``seq``, ``ts``, the payload's ``type``,
then the payload's own fields (:func:`tabwise.api.to_json`), flat::

    {"session_id": "…", "seq": 7, "ts": 1764660000.1, "type": "text_delta", "delta": "Hi"}

A field declared ``omitted_when_none`` is left out while it is None.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from ..api import to_json
from ..events import Event, Payload, payload_class, wire_omitted

__all__ = ["ENVELOPE_KEYS", "event_from_params", "event_params"]

ENVELOPE_KEYS = ("session_id", "seq", "ts", "type")


def event_params(ev: Event) -> dict[str, Any]:
    """The wire object of ``ev`` (a fresh dict: the caller may add keys to it)."""
    p = ev.payload
    params: dict[str, Any] = {"session_id": ev.session_id, "seq": ev.seq, "ts": ev.ts,
                              "type": p.type}
    names, omitted = _layout(type(p))
    for name in names:
        value = getattr(p, name)
        # What to_json would do, without its walk for the plain values most fields hold:
        # this runs for every frame a subscriber receives.
        params[name] = value if type(value) in _PLAIN else to_json(value)
    for name in omitted:
        if params[name] is None:
            del params[name]
    return params


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _layout(cls: type[Payload]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The field names of ``cls`` in wire order, and those omitted while None."""
    if (known := _layouts.get(cls)) is None:
        known = _layouts[cls] = (tuple(f.name for f in dataclasses.fields(cls)),
                                 wire_omitted(cls))
    return known


_layouts: dict[type[Payload], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def event_from_params(params: dict[str, Any]) -> Event:
    """The event a wire object describes (a ``subscription`` key is ignored).

    Raises ``ValueError`` naming what is wrong: an unknown type, a missing or an
    unexpected field.
    """
    kind = params.get("type")
    try:
        cls = payload_class(str(kind))
    except KeyError:
        raise ValueError(f"unknown event type {kind!r}") from None
    missing = [k for k in ENVELOPE_KEYS if k not in params]
    tuples, optional = _shape(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    missing += [n for n in names if n not in params and n not in optional]
    if missing:
        raise ValueError(f"{kind} event without {', '.join(missing)}")
    extra = set(params) - {*ENVELOPE_KEYS, *names, "subscription"}
    if extra:
        raise ValueError(f"{kind} event with unexpected {', '.join(sorted(extra))}")
    fields = {n: (tuple(params[n]) if n in tuples else params[n])
              for n in names if n in params}
    return Event(str(params["session_id"]), int(params["seq"]), float(params["ts"]),
                 cls(**fields))


def _shape(cls: type[Payload]) -> tuple[frozenset[str], frozenset[str]]:
    """The fields of ``cls`` that hold tuples (arrays on the wire) and the optional ones."""
    if (known := _shapes.get(cls)) is not None:
        return known
    hints = typing.get_type_hints(cls)
    tuples = frozenset(f.name for f in dataclasses.fields(cls)
                       if typing.get_origin(hints[f.name]) is tuple)
    optional = frozenset(f.name for f in dataclasses.fields(cls)
                         if f.default is not dataclasses.MISSING)
    _shapes[cls] = tuples, optional
    return tuples, optional


_shapes: dict[type[Payload], tuple[frozenset[str], frozenset[str]]] = {}
