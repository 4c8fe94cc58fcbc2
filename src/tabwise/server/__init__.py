"""The JSON-RPC 2.0 WebSocket server (DESIGN §6)."""

from ._serve import is_loopback, run_server, start_server
from ._token import load_or_create_token
from ._wire import event_from_params, event_params

__all__ = ["event_from_params", "event_params", "is_loopback", "load_or_create_token",
           "run_server", "start_server"]
