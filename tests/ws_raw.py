"""A raw WebSocket client over a bare TCP stream, for tests that need what a polite client
never does: stop reading, send odd handshakes, see every frame in arrival order."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from typing import Any


def masked_frame(text: str | bytes, opcode: int = 1) -> bytes:
    """One client-to-server frame (clients must mask)."""
    payload = text.encode() if isinstance(text, str) else text
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return head + mask + body


class RawWs:
    """A WebSocket client that reads only when told to."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int, headers: list[tuple[str, str]], path: str = "/rpc",
                      rcvbuf: int | None = None) -> tuple[RawWs | None, int, bytes]:
        """Handshake; returns (client or None, HTTP status, response head). ``rcvbuf``
        shrinks the socket's receive buffer, so a client that stops reading is felt."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if rcvbuf is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=1 << 16)
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                 "Sec-WebSocket-Version: 13", *(f"{k}: {v}" for k, v in headers)]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        await writer.drain()
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        status = int(head.split(b" ", 2)[1])
        if status != 101:
            body = await asyncio.wait_for(reader.read(65536), 10)
            writer.close()
            return None, status, head + body
        return cls(reader, writer), status, head

    async def send(self, payload: Any) -> None:
        self.writer.write(masked_frame(json.dumps(payload) if not isinstance(payload, str)
                                       else payload))
        await self.writer.drain()

    async def frame(self, timeout: float = 10) -> tuple[int, bytes]:
        """The next server frame as (opcode, payload); (-1, b"") at end of stream."""
        async def read() -> tuple[int, bytes]:
            try:
                b0, b1 = await self.reader.readexactly(2)
                n = b1 & 0x7F
                if n == 126:
                    (n,) = struct.unpack("!H", await self.reader.readexactly(2))
                elif n == 127:
                    (n,) = struct.unpack("!Q", await self.reader.readexactly(8))
                return b0 & 0x0F, await self.reader.readexactly(n)
            except (asyncio.IncompleteReadError, ConnectionError):
                return -1, b""

        return await asyncio.wait_for(read(), timeout)

    async def message(self, timeout: float = 10) -> Any:
        """The next text frame, parsed (pings are skipped)."""
        while True:
            op, data = await self.frame(timeout)
            if op == 1:
                return json.loads(data)
            if op in (8, -1):
                raise ConnectionError(f"closed: {op} {data[:2]!r}")

    def close(self) -> None:
        self.writer.transport.abort()
