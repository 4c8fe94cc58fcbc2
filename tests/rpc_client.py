"""A tiny JSON-RPC client over a real WebSocket, for tests."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tabwise.api import to_json
from tabwise.server import start_server

if TYPE_CHECKING:
    from tabwise.commands import Tabwise


class RpcError(Exception):
    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(error.get("message"))
        self.error = error
        self.code = (error.get("data") or {}).get("code")
        self.rpc_code = error.get("code")


class RpcClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.raw: asyncio.Queue[Any] = asyncio.Queue()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(cls, url: str, token: str) -> RpcClient:
        ws = await connect(url, additional_headers={"Authorization": f"Bearer {token}"},
                           max_size=None)
        return cls(ws)

    async def _read(self) -> None:
        try:
            await self._read_all()
        except ConnectionClosed:  # the server went away (some tests kill it)
            return

    async def _read_all(self) -> None:
        async for raw in self.ws:
            msg = json.loads(raw)
            if isinstance(msg, dict) and msg.get("method") == "ai_event":
                self.events.put_nowait(msg["params"])
            elif isinstance(msg, dict) and msg.get("id") in self._waiting:
                self._waiting.pop(msg["id"]).set_result(msg)
            else:
                self.raw.put_nowait(msg)

    async def call(self, method: str, **params: Any) -> Any:
        id_ = next(self._ids)
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[id_] = fut
        await self.ws.send(json.dumps({"jsonrpc": "2.0", "id": id_, "method": method,
                                       "params": to_json(params)}))
        msg = await asyncio.wait_for(fut, 30)
        if "error" in msg:
            raise RpcError(msg["error"])
        return msg["result"]

    async def send_raw(self, text: str) -> Any:
        await self.ws.send(text)
        return await asyncio.wait_for(self.raw.get(), 10)

    async def next_event(self, pred: Any = None, timeout: float = 10) -> dict[str, Any]:
        while True:
            ev = await asyncio.wait_for(self.events.get(), timeout)
            if pred is None or pred(ev):
                return ev

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()


@asynccontextmanager
async def serving(core: Tabwise, **server_kw: Any) -> AsyncIterator[tuple[int, str]]:
    """``tabwise serve`` for ``core`` on a free loopback port: its port and token."""
    server = await start_server(core, "127.0.0.1", 0, **server_kw)
    try:
        yield server.sockets[0].getsockname()[1], core.paths.token_file.read_text().strip()
    finally:
        server.close()
        await server.wait_closed()


@asynccontextmanager
async def connected(core: Tabwise, **server_kw: Any) -> AsyncIterator[RpcClient]:
    """One client of a server for ``core``; both are closed at the end."""
    async with serving(core, **server_kw) as (port, token):
        client = await RpcClient.connect(f"ws://127.0.0.1:{port}/rpc", token)
        try:
            yield client
        finally:
            await client.close()
