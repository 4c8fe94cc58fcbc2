"""A scripted OpenAI-compatible chat-completions server on 127.0.0.1.

The only fake in the test suite: it stands in for the remote LLM. It speaks enough
HTTP/1.1 (keep-alive, chunked transfer) for the real openai SDK that pydantic-ai uses,
streams Server-Sent Events with usage, emits tool calls, and can be scripted to fail
(HTTP errors, hangs, broken streams, slow streams).

Replies are scripted per model name (``fake.script("m1", Reply(...))``); a model with
nothing scripted echoes the last user message (or reports the last tool result), so
tests that only care about routing need no script at all. Every request is recorded
with its headers, body and timing for assertions. ``GET /v1/models`` and ``GET
/api/tags`` (Ollama's) list ``served_models``, for model discovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeLLM", "RecordedRequest", "Reply", "ToolCall"]


@dataclass
class ToolCall:
    name: str
    args: dict[str, Any]
    id: str = ""


@dataclass
class Reply:
    """One scripted response."""

    text: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    reasoning: str = ""
    status: int = 200
    error_message: str = "scripted error"
    chunk_size: int = 8  # characters of text per SSE chunk
    chunk_delay: float = 0.0  # seconds between chunks
    first_delay: float = 0.0  # seconds before the first byte of the response
    break_after: int | None = None  # drop the connection after this many chunks
    end_after: int | None = None  # end the body cleanly after this many chunks: no
    # finish_reason, no [DONE] (a proxy or server that gave up mid-answer)
    hang: bool = False  # accept the request and never answer
    prompt_tokens: int | None = None  # default: estimated from the request size
    completion_tokens: int | None = None
    retry_after: str | None = None
    # Sent as is instead of the JSON error (e.g. an HTML page from a proxy), with this type.
    error_body: str | None = None
    error_content_type: str = "text/html"


@dataclass
class RecordedRequest:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    started: float
    first_byte: float = 0.0
    finished: float = 0.0

    @property
    def model(self) -> str:
        return str(self.body.get("model", ""))

    @property
    def api_key(self) -> str:
        return self.headers.get("authorization", "").removeprefix("Bearer ")

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    def user_texts(self) -> list[str]:
        return [_content_text(m.get("content")) for m in self.messages if m["role"] == "user"]

    def all_text(self) -> str:
        return json.dumps(self.body.get("messages", []))


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class FakeLLM:
    """Scripted OpenAI-compatible server. Use ``start()``/``stop()`` or as async context."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._scripts: dict[str, deque[Reply]] = defaultdict(deque)
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._lock = threading.Lock()
        self.port = 0
        self.default_chunk_delay = 0.0
        # What GET /v1/models and GET /api/tags list (model discovery); empty by default
        # so the configured models are all a test sees unless it asks for more.
        self.served_models: list[str] = []
        self.listing_requests: list[RecordedRequest] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def script(self, model: str, *replies: Reply) -> None:
        """Queue replies for requests naming ``model`` (consumed in order)."""
        with self._lock:
            self._scripts[model].extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._scripts.clear()
            self.requests.clear()
            self.listing_requests.clear()
        self.default_chunk_delay = 0.0
        self.served_models = []

    def requests_for(self, model: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.model == model]

    async def start(self) -> FakeLLM:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            for w in list(self._conns):
                w.close()
            for t in list(self._tasks):
                t.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()

    async def __aenter__(self) -> FakeLLM:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- HTTP ---------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._conns.add(writer)
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                method, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while True:
                    h = await reader.readline()
                    if h in (b"\r\n", b"\n", b""):
                        break
                    k, _, v = h.decode("latin-1").partition(":")
                    headers[k.strip().lower()] = v.strip()
                length = int(headers.get("content-length", "0"))
                raw = await reader.readexactly(length) if length else b""
                body = json.loads(raw) if raw else {}
                keep = await self._respond(method, path, headers, body, writer)
                if not keep:
                    return
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            return
        finally:
            self._conns.discard(writer)
            writer.close()

    def _next_reply(self, body: dict[str, Any]) -> Reply:
        model = str(body.get("model", ""))
        with self._lock:
            queue = self._scripts.get(model)
            if queue:
                return queue.popleft()
        return self._echo(body)

    def _echo(self, body: dict[str, Any]) -> Reply:
        messages = body.get("messages", [])
        last = messages[-1] if messages else {}
        if last.get("role") == "tool":
            text = f"tool said: {_content_text(last.get('content'))[:200]}"
        else:
            text = f"echo: {_content_text(last.get('content'))}"
        return Reply(text=text, chunk_delay=self.default_chunk_delay)

    async def _respond(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: dict[str, Any],
        writer: asyncio.StreamWriter,
    ) -> bool:
        rec = RecordedRequest(path=path, headers=headers, body=body, started=time.monotonic())
        if method == "GET" and path.rstrip("/") in ("/v1/models", "/api/tags"):
            self.listing_requests.append(rec)
            if path.startswith("/api/"):
                listing: dict[str, Any] = {"models": [{"name": m, "model": m}
                                                      for m in self.served_models]}
            else:
                listing = {"object": "list", "data": [
                    {"id": m, "object": "model", "owned_by": "fake"}
                    for m in self.served_models]}
            await self._send_json(writer, 200, listing)
            return True
        if not path.rstrip("/").endswith("/chat/completions") or method != "POST":
            await self._send_json(writer, 404, {"error": {"message": f"no route {path}"}})
            return True
        self.requests.append(rec)
        reply = self._next_reply(body)
        if reply.hang:
            await asyncio.sleep(3600)
            return False
        if reply.first_delay:
            await asyncio.sleep(reply.first_delay)
        rec.first_byte = time.monotonic()
        if reply.status != 200 and reply.error_body is not None:
            await self._send_raw(writer, reply.status, reply.error_body.encode(),
                                 reply.error_content_type)
            rec.finished = time.monotonic()
            return True
        if reply.status != 200:
            extra = {"retry-after": reply.retry_after} if reply.retry_after else {}
            err = {"error": {"message": reply.error_message, "type": "scripted", "code": None}}
            await self._send_json(writer, reply.status, err, extra)
            rec.finished = time.monotonic()
            return True
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:
            prompt_tokens = max(1, len(json.dumps(body.get("messages", []))) // 4)
        completion_tokens = reply.completion_tokens
        if completion_tokens is None:
            completion_tokens = max(1, len(reply.text) // 4)
        if body.get("stream"):
            keep = await self._stream(writer, body, reply, prompt_tokens, completion_tokens)
        else:
            await self._send_json(
                writer, 200, self._completion(body, reply, prompt_tokens, completion_tokens)
            )
            keep = True
        rec.finished = time.monotonic()
        return keep

    async def _send_json(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        payload: dict[str, Any],
        extra: dict[str, str] | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        head = [f"HTTP/1.1 {status} X", "Content-Type: application/json"]
        head += [f"{k}: {v}" for k, v in (extra or {}).items()]
        head.append(f"Content-Length: {len(data)}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()

    async def _send_raw(self, writer: asyncio.StreamWriter, status: int, data: bytes,
                        content_type: str) -> None:
        head = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}",
                f"Content-Length: {len(data)}"]
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()

    def _tool_call_json(self, i: int, tc: ToolCall) -> dict[str, Any]:
        return {
            "index": i,
            "id": tc.id or f"call_{i}_{int(time.monotonic() * 1e6)}",
            "type": "function",
            "function": {"name": tc.name, "arguments": json.dumps(tc.args)},
        }

    def _completion(
        self, body: dict[str, Any], reply: Reply, pt: int, ct: int
    ) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.tool_calls:
            calls = [self._tool_call_json(i, tc) for i, tc in enumerate(reply.tool_calls)]
            for c in calls:
                c.pop("index")
            message["tool_calls"] = calls
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", ""),
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if reply.tool_calls else "stop",
                }
            ],
            "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct},
        }

    async def _stream(
        self,
        writer: asyncio.StreamWriter,
        body: dict[str, Any],
        reply: Reply,
        pt: int,
        ct: int,
    ) -> bool:
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
            "Cache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        writer.write(head.encode())
        model = body.get("model", "")
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
                "model": model}
        events: list[dict[str, Any]] = []

        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}

        events.append(chunk({"role": "assistant", "content": ""}))
        step = max(1, reply.chunk_size)
        for i in range(0, len(reply.reasoning), step):
            events.append(chunk({"reasoning_content": reply.reasoning[i : i + step]}))
        for i in range(0, len(reply.text), step):
            events.append(chunk({"content": reply.text[i : i + step]}))
        for i, tc in enumerate(reply.tool_calls):
            events.append(chunk({"tool_calls": [self._tool_call_json(i, tc)]}))
        events.append(chunk({}, "tool_calls" if reply.tool_calls else "stop"))
        events.append({**base, "choices": [], "usage": {
            "prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}})

        async def send(data: bytes) -> None:
            writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            await writer.drain()

        for n, ev in enumerate(events):
            if reply.break_after is not None and n >= reply.break_after:
                writer.transport.abort()
                return False
            if reply.end_after is not None and n >= reply.end_after:
                writer.write(b"0\r\n\r\n")
                await writer.drain()
                return False
            await send(f"data: {json.dumps(ev)}\n\n".encode())
            if reply.chunk_delay and 0 < n < len(events) - 2:
                await asyncio.sleep(reply.chunk_delay)
        await send(b"data: [DONE]\n\n")
        writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True
