"""JSON-RPC 2.0 over one WebSocket connection (DESIGN §6).

Each request runs in its own task so a long ``send_ai_prompt`` never holds up other
calls; every outgoing frame goes through one writer task; each event subscription has
its own bounded queue (a slow client falls behind alone). Closing the connection
cancels its tasks, but not the turns it started (those belong to their sessions).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from ..commands import Tabwise, call_command
from ..errors import InvalidParams, TabwiseError
from ..events import DELTA_TYPES, Subscription, SubscriptionOverflow

__all__ = ["RpcConnection"]

log = logging.getLogger("tabwise.server")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
SERVER_ERROR = -32000

DELTA_FRAME_SECONDS = 0.016


def _error(id_: Any, code: int, message: str, data_code: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": id_,
            "error": {"code": code, "message": message, "data": {"code": data_code}}}


class RpcConnection:
    """Serves one client until it disconnects."""

    def __init__(self, core: Tabwise, ws: ServerConnection) -> None:
        self.core = core
        self.ws = ws
        self._out: asyncio.Queue[str | None] = asyncio.Queue()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._subs: dict[str, tuple[Subscription, asyncio.Task[None]]] = {}

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def serve(self) -> None:
        writer = asyncio.create_task(self._writer())
        try:
            async for raw in self.ws:
                self._spawn(self._handle_frame(raw))
        except ConnectionClosed:
            pass
        finally:
            for sub, _ in self._subs.values():
                sub.close()
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._out.put_nowait(None)
            with contextlib.suppress(Exception):
                await writer

    async def _writer(self) -> None:
        while True:
            item = await self._out.get()
            if item is None:
                return
            try:
                await self.ws.send(item)
            except ConnectionClosed:
                return

    def _send(self, payload: Any) -> None:
        self._out.put_nowait(json.dumps(payload, default=str))

    async def _handle_frame(self, raw: str | bytes) -> None:
        try:
            msg = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            self._send(_error(None, PARSE_ERROR, "Parse error: the message is not valid JSON.",
                              "invalid_params"))
            return
        if isinstance(msg, list):
            if not msg:
                self._send(_error(None, INVALID_REQUEST, "Invalid request: empty batch.",
                                  "invalid_params"))
                return
            results = await asyncio.gather(*(self._handle(m) for m in msg))
            replies = [r for r in results if r is not None]
            if replies:
                self._send(replies)
            return
        reply = await self._handle(msg)
        if reply is not None:
            self._send(reply)

    async def _handle(self, msg: Any) -> dict[str, Any] | None:
        if not isinstance(msg, dict) or msg.get("jsonrpc") != "2.0" or \
                not isinstance(msg.get("method"), str):
            id_ = msg.get("id") if isinstance(msg, dict) else None
            return _error(id_, INVALID_REQUEST,
                          'Invalid request: expected {"jsonrpc": "2.0", "method": str, ...}.',
                          "invalid_params")
        is_notification = "id" not in msg
        id_ = msg.get("id")
        try:
            result = await self._dispatch(msg["method"], msg.get("params"))
        except LookupError:
            reply = _error(id_, METHOD_NOT_FOUND, f"Method not found: {msg['method']!r}.",
                           "method_not_found")
        except InvalidParams as exc:
            reply = _error(id_, INVALID_PARAMS, str(exc), exc.code)
        except TabwiseError as exc:
            reply = _error(id_, SERVER_ERROR, str(exc), exc.code)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("internal error in %s", msg["method"])
            reply = _error(id_, INTERNAL_ERROR, "Internal error; see the server log.",
                           "internal")
        else:
            reply = {"jsonrpc": "2.0", "id": id_, "result": result}
        return None if is_notification else reply

    async def _dispatch(self, method: str, params: Any) -> Any:
        if method == "subscribe_events":
            return self._subscribe(params)
        if method == "unsubscribe_events":
            return self._unsubscribe(params)
        return await call_command(self.core, method, params)

    def _subscribe(self, params: Any) -> dict[str, str]:
        params = params or {}
        if not isinstance(params, dict) or set(params) - {"session_id"}:
            raise InvalidParams("subscribe_events takes only an optional session_id.")
        sid = params.get("session_id")
        if sid is not None and not isinstance(sid, str):
            raise InvalidParams("session_id must be a string.")
        sub = self.core.subscribe(sid)
        task = self._spawn(self._pump(sub))
        self._subs[sub.id] = (sub, task)
        return {"subscription": sub.id}

    def _unsubscribe(self, params: Any) -> bool:
        sid = params.get("subscription") if isinstance(params, dict) else None
        entry = self._subs.pop(sid, None) if isinstance(sid, str) else None
        if entry is None:
            raise InvalidParams("Unknown subscription.")
        entry[0].close()
        entry[1].cancel()
        return True

    async def _pump(self, sub: Subscription) -> None:
        try:
            while True:
                batch = [await sub.get()]
                # Merge the deltas queued meanwhile: one frame per burst instead of one
                # per token keeps JSON encoding and socket writes off the agents' path.
                while (nxt := sub.get_nowait()) is not None:
                    if nxt.type in DELTA_TYPES and batch[-1].type == nxt.type:
                        batch[-1] = batch[-1].merged_with(nxt)
                    else:
                        batch.append(nxt)
                for ev in batch:
                    payload = ev.to_dict()
                    payload["subscription"] = sub.id
                    self._send({"jsonrpc": "2.0", "method": "ai_event", "params": payload})
                # Let the writer drain before queueing more: the subscription's own
                # bounded queue (which merges deltas) absorbs a slow client.
                while self._out.qsize() > 256:
                    await asyncio.sleep(0.005)
                if batch[-1].type in DELTA_TYPES:
                    # At most ~60 delta frames a second per subscriber; the first delta
                    # of a turn goes out at once, so time to first token is unchanged.
                    await asyncio.sleep(DELTA_FRAME_SECONDS)
        except StopAsyncIteration:
            return
        except SubscriptionOverflow:
            self._send({"jsonrpc": "2.0", "method": "subscription_overflow",
                        "params": {"subscription": sub.id}})
