"""JSON-RPC 2.0 over one WebSocket connection (DESIGN §6).

Each request runs in its own task so a long ``send_ai_prompt`` never holds up other
calls. Besides the commands, the connection serves its subscriptions:
``subscribe_events`` (``ai_event`` notifications) and ``subscribe_pty`` (a terminal's
output as ``pty_output`` notifications, then ``pty_closed``; see
:meth:`RpcConnection._subscribe_pty`), each ended by its ``unsubscribe_*``. Every
outgoing frame goes through the connection's :class:`Outbox`, one ordered writer
bounded in bytes. Before a reply is queued, the events already published to this
connection's subscriptions are queued, so on one connection every event a command
caused arrives before its reply (DESIGN §5). Closing the connection cancels its tasks,
but not the turns it started (those belong to their sessions).

What is decided here, at the edge: a frame that is not JSON (or nests too deeply to
parse) is a parse error; a message that is not a request is an invalid request; a
method that is not a command is ``method_not_found`` before anything runs; params are
validated by the command registry. A command's reply (a contract dataclass of
:mod:`tabwise.api`) becomes JSON with :func:`~tabwise.api.to_json`. Any other exception
(a bug inside a command, a reply that is not part of the contract) is ``internal`` and
logged with its traceback.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ..api import to_json
from ..commands import COMMANDS, Tabwise, call_command, check_params
from ..errors import InvalidParams, MethodNotFound, TabwiseError
from ..events import DELTA_TYPES, Subscription, SubscriptionOverflow
from ..pty import PtyStream, PtyStreamOverflow
from ._outbox import DELTA_FRAME_SECONDS, MAX_UNSENT_BYTES, STALL_SECONDS, Outbox, encode

__all__ = ["RpcConnection"]

log = logging.getLogger("tabwise.server")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000

# More requests than this in one batch is an invalid request (each runs concurrently).
MAX_BATCH = 1000

_SERVER_METHODS = frozenset({"subscribe_events", "unsubscribe_events", "subscribe_pty",
                             "unsubscribe_pty"})
# Raw output per pty_output notification, at most (a flood is sent in frames this big).
PTY_FRAME_BYTES = 64 * 1024
METHODS = frozenset(COMMANDS) | _SERVER_METHODS


def _error(id_: Any, code: int, message: str, data_code: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_,
            "error": {"code": code, "message": message, "data": {"code": data_code}}}


def _valid_id(value: Any) -> bool:
    # JSON-RPC ids are strings, numbers or null; anything else is not echoed back.
    return value is None or isinstance(value, str | float) or (
        isinstance(value, int) and not isinstance(value, bool))


def _rpc_code(exc: TabwiseError) -> int:
    if isinstance(exc, InvalidParams):
        return INVALID_PARAMS
    if isinstance(exc, MethodNotFound):
        return METHOD_NOT_FOUND
    return SERVER_ERROR


class RpcConnection:
    """Serves one client until it disconnects (or is dropped for not reading)."""

    def __init__(self, core: Tabwise, ws: ServerConnection, *,
                 max_unsent_bytes: int = MAX_UNSENT_BYTES,
                 stall_seconds: float = STALL_SECONDS) -> None:
        self.core = core
        self.ws = ws
        self.outbox = Outbox(ws, max_bytes=max_unsent_bytes, stall_seconds=stall_seconds)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._subs: dict[str, tuple[Subscription, asyncio.Task[None]]] = {}
        self._pty_subs: dict[str, tuple[PtyStream, asyncio.Task[None]]] = {}

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def serve(self) -> None:
        writer = asyncio.create_task(self.outbox.run())
        try:
            async for raw in self.ws:
                if self.outbox.dropped is not None:
                    break
                self._spawn(self._handle_frame(raw))
        except ConnectionClosed:
            pass
        finally:
            for sub, _ in self._subs.values():
                sub.close()
            for stream, _ in self._pty_subs.values():
                stream.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self.outbox.stop()
            with contextlib.suppress(Exception):
                await writer

    def _reply(self, payload: Any) -> None:
        """Queue a reply after every event already published to this connection."""
        if self.outbox.dropped is not None:
            return  # nobody will read it: do not even encode it
        for sub, _ in list(self._subs.values()):
            while (ev := sub.get_nowait()) is not None:
                self.outbox.put_event(ev, sub.id)
        try:
            text = encode(payload)
        except (ValueError, RecursionError):
            log.exception("a reply could not be encoded as JSON")
            items = payload if isinstance(payload, list) else [payload]
            errors = [_error(r.get("id"), INTERNAL_ERROR, "Internal error; see the server "
                             "log.", "internal") for r in items]
            text = encode(errors if isinstance(payload, list) else errors[0])
        self.outbox.put_text(text)

    async def _handle_frame(self, raw: str | bytes) -> None:
        if self.outbox.dropped is not None:
            return  # requests queued before the drop are not run
        try:
            msg = json.loads(raw)
        except RecursionError:
            self._reply(_error(None, PARSE_ERROR, "Parse error: the message nests too "
                               "deeply.", "invalid_params"))
            return
        except (ValueError, UnicodeDecodeError):
            self._reply(_error(None, PARSE_ERROR, "Parse error: the message is not valid "
                               "JSON.", "invalid_params"))
            return
        if isinstance(msg, list):
            if not msg or len(msg) > MAX_BATCH:
                self._reply(_error(None, INVALID_REQUEST, "Invalid request: a batch holds "
                                   f"1 to {MAX_BATCH} requests.", "invalid_params"))
                return
            results = await asyncio.gather(*(self._handle(m) for m in msg))
            replies = [r for r in results if r is not None]
            if replies:
                self._reply(replies)
            return
        reply = await self._handle(msg)
        if reply is not None:
            self._reply(reply)

    async def _handle(self, msg: Any) -> dict[str, Any] | None:
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0" or \
                not isinstance(msg.get("method"), str) or not _valid_id(msg.get("id")):
            id_ = msg.get("id") if isinstance(msg, dict) and _valid_id(msg.get("id")) else None
            return _error(id_, INVALID_REQUEST,
                          'Invalid request: expected {"jsonrpc": "2.0", "method": str, '
                          '"id": str | number, "params": object}.', "invalid_params")
        method: str = msg["method"]
        is_notification = "id" not in msg
        id_ = msg.get("id")
        if method not in METHODS:
            # Decided before anything runs: a LookupError inside a command is a bug
            # (internal), never "method not found".
            exc = MethodNotFound(method)
            reply = _error(id_, METHOD_NOT_FOUND, str(exc), exc.code)
            return None if is_notification else reply
        try:
            # Commands return the contract's dataclasses; JSON is made here, and only here.
            result = to_json(await self._dispatch(method, msg.get("params")))
        except TabwiseError as exc:
            reply = _error(id_, _rpc_code(exc), str(exc), exc.code)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("internal error in %s", method)
            reply = _error(id_, INTERNAL_ERROR, "Internal error; see the server log.",
                           "internal")
        else:
            reply = {"jsonrpc": "2.0", "id": id_, "result": to_json(result)}
        return None if is_notification else reply

    async def _dispatch(self, method: str, params: Any) -> Any:
        if method == "subscribe_events":
            return self._subscribe(params)
        if method == "unsubscribe_events":
            return self._unsubscribe(params)
        if method == "subscribe_pty":
            return self._subscribe_pty(params)
        if method == "unsubscribe_pty":
            return self._unsubscribe_pty(params)
        return await call_command(self.core, method, params)

    def _subscribe(self, params: Any) -> dict[str, str]:
        params = check_params("subscribe_events", params)
        if set(params) - {"session_id"}:
            raise InvalidParams("subscribe_events takes only an optional session_id.")
        sid = params.get("session_id")
        if sid is not None and not isinstance(sid, str):
            raise InvalidParams("session_id must be a string.")
        sub = self.core.subscribe(sid)
        task = self._spawn(self._pump(sub))
        self._subs[sub.id] = (sub, task)
        return {"subscription": sub.id}

    def _unsubscribe(self, params: Any) -> bool:
        params = check_params("unsubscribe_events", params)
        sid = params.get("subscription")
        entry = self._subs.pop(sid, None) if isinstance(sid, str) else None
        if entry is None:
            raise InvalidParams("Unknown subscription.")
        entry[0].close()
        entry[1].cancel()
        return True

    async def _pump(self, sub: Subscription) -> None:
        # Hand events to the outbox, which orders them with the replies, merges deltas
        # and bounds the bytes. After a delta, pause one frame's time: the stream's next
        # tokens wait in the subscription meanwhile, so a fast stream wakes this task
        # ~60 times a second instead of once per token. A reply drains the subscription
        # first (``_reply``), so the pause never lets a reply overtake its events.
        put = self.outbox.put_event
        try:
            while True:
                ev = await sub.get()
                put(ev, sub.id)
                while (nxt := sub.get_nowait()) is not None:
                    put(nxt, sub.id)
                    ev = nxt
                if ev.type in DELTA_TYPES:
                    await asyncio.sleep(DELTA_FRAME_SECONDS)
        except StopAsyncIteration:
            return
        except SubscriptionOverflow:
            self.outbox.put_text(encode({"jsonrpc": "2.0", "method": "subscription_overflow",
                                         "params": {"subscription": sub.id}}))

    # -- terminal output (subscribe_pty) ----------------------------------------------

    def _subscribe_pty(self, params: Any) -> dict[str, Any]:
        """``{subscription, offset}``: output from byte ``offset`` on (what came before is
        ``pty_read``'s) arrives as ``pty_output{subscription, session_id, offset,
        data_b64}`` notifications, in order and contiguous; when the shell ends (exit,
        close_session, restart_terminal) a last ``pty_closed{subscription, session_id,
        offset, exit_code}`` says so."""
        params = check_params("subscribe_pty", params)
        if set(params) != {"session_id"} or not isinstance(params["session_id"], str):
            raise InvalidParams("subscribe_pty takes one parameter, session_id (a string).")
        stream = self.core.subscribe_pty(params["session_id"])
        task = self._spawn(self._pump_pty(stream, params["session_id"]))
        self._pty_subs[stream.id] = (stream, task)
        return {"subscription": stream.id, "offset": stream.offset}

    def _unsubscribe_pty(self, params: Any) -> bool:
        params = check_params("unsubscribe_pty", params)
        sid = params.get("subscription")
        entry = self._pty_subs.pop(sid, None) if isinstance(sid, str) else None
        if entry is None:
            raise InvalidParams("Unknown subscription.")
        entry[0].close()
        entry[1].cancel()
        return True

    async def _pump_pty(self, stream: PtyStream, session_id: str) -> None:
        # Output goes to the outbox as soon as it arrives (joined up to PTY_FRAME_BYTES
        # while the client is behind), so a client that stops reading meets the
        # outbox's byte bound and is dropped; the stream itself never holds much.
        def note(method: str, **params: Any) -> None:
            self.outbox.put_text(encode({"jsonrpc": "2.0", "method": method, "params": {
                "subscription": stream.id, "session_id": session_id, **params}}))

        offset = stream.offset
        try:
            while self.outbox.dropped is None:
                chunk = await stream.get(PTY_FRAME_BYTES)
                note("pty_output", offset=chunk.offset,
                     data_b64=base64.b64encode(chunk.data).decode("ascii"))
                offset = chunk.next_offset
        except StopAsyncIteration:  # the shell ended (unsubscribing cancels this task)
            note("pty_closed", offset=offset, exit_code=stream.exit_code)
        except PtyStreamOverflow:
            self.outbox.put_text(encode({"jsonrpc": "2.0", "method": "subscription_overflow",
                                         "params": {"subscription": stream.id}}))
        finally:
            stream.close()
            self._pty_subs.pop(stream.id, None)
