"""Events (DESIGN §5) and the bus that routes them by session."""

from ._bus import EventBus, Subscription, SubscriptionOverflow
from ._event import DELTA_TYPES, EVENT_TYPES, TERMINAL_TYPES, Event

__all__ = [
    "DELTA_TYPES",
    "EVENT_TYPES",
    "TERMINAL_TYPES",
    "Event",
    "EventBus",
    "Subscription",
    "SubscriptionOverflow",
]
