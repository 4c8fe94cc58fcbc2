"""P13.pyd: what the parts of pydantic-ai cost, on a bare ``Agent`` (no tabwise code).

A minimal repro, run by ``bench_overhead``: the fake in a process of its own (it echoes
the prompt), and for each variant the main thread's CPU time of a 4-chunk and a
60-chunk turn (medians, interleaved round by round), so per request and per chunk.
The variants peel the stack: the raw SDK, with tabwise's six tool schemas on the wire,
pydantic-ai's model alone (``request_stream``, no agent), an ``Agent`` without and with
the tools, then the same agent with one part of pydantic-ai switched off at a time.
Switching off means a monkeypatch of pydantic-ai internals for that turn only
(``_AUTO_INJECT_CAPABILITY_TYPES``, ``PeekableAsyncStream.__anext__``,
``fill_response_cost``): attribution, not something tabwise does. Those rows become a
note if pydantic-ai renames what they patch.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterable, Awaitable, Callable
from typing import Any

from ._ai import long_text, median
from ._rows import Row, row

__all__ = ["pydantic_parts"]

SHORT, LONG = 4, 60
Turn = Callable[[str], Awaitable[Any]]


async def _drain(ctx: Any, events: AsyncIterable[Any]) -> None:
    async for _ in events:
        pass


def _patches() -> dict[str, tuple[Callable[[], None], Callable[[], None]]]:
    """(on, off) for each part that can be switched off for one turn."""
    import pydantic_ai._agent_graph as graph
    from pydantic_ai import _utils

    peek = _utils.PeekableAsyncStream
    anext_orig = peek.__anext__

    async def anext_fast(self: Any) -> Any:
        # The same, without the anyio CancelScope and Lock around each pull (nothing
        # else pulls from these streams in a plain run).
        if self._exhausted:
            raise StopAsyncIteration
        if not isinstance(self._buffer, _utils.Unset):
            item, self._buffer = self._buffer, _utils.UNSET
            return item
        if self._source_iter is None:
            self._source_iter = aiter(self.source)
        try:
            return await anext(self._source_iter)
        except StopAsyncIteration:
            self._exhausted = True
            raise

    price_orig = graph.fill_response_cost

    def set_peek(fn: Any) -> Callable[[], None]:
        return lambda: setattr(peek, "__anext__", fn)

    def set_price(fn: Any) -> Callable[[], None]:
        return lambda: setattr(graph, "fill_response_cost", fn)

    return {"peek": (set_peek(anext_fast), set_peek(anext_orig)),
            "price": (set_price(lambda response: None), set_price(price_orig))}


async def pydantic_parts(rounds: int) -> list[Row]:
    from openai import AsyncOpenAI
    from pydantic_ai import Agent, Tool
    from pydantic_ai import agent as agent_module
    from pydantic_ai.capabilities import AbstractCapability
    from pydantic_ai.messages import ModelRequest, UserPromptPart
    from pydantic_ai.models import ModelRequestParameters
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    from tabwise.agent import _tools
    from tabwise.providers._schema_cache import reuse_schema_transforms

    from ._fake_process import FakeProcess

    class Hook(AbstractCapability[Any]):
        """A capability with one model-request hook, like tabwise's guard and meter."""

        async def before_model_request(self, ctx: Any, request_context: Any) -> Any:
            return request_context

    try:
        patches = _patches()
    except (ImportError, AttributeError) as exc:
        patches = {}
        note = f"pydantic-ai's internals moved ({exc}); the switched-off rows are left out"
    else:
        note = ""

    with FakeProcess(0.0) as fake:
        client = AsyncOpenAI(base_url=fake.base_url, api_key="k", max_retries=0, timeout=60)
        provider = OpenAIProvider(openai_client=client)
        stock = OpenAIChatModel("m", provider=provider)
        cached = reuse_schema_transforms(OpenAIChatModel("m", provider=provider))
        funcs = [_tools.read_file, _tools.list_directory, _tools.search_files,
                 _tools.write_file, _tools.edit_file, _tools.run_command]
        tools = [Tool(f, takes_ctx=True) for f in funcs]
        settings: Any = {"timeout": 60}
        with_stock = Agent(stock, tools=tools)
        with_cached = Agent(cached, tools=tools)
        no_tools = Agent(cached)
        auto = getattr(agent_module, "_AUTO_INJECT_CAPABILITY_TYPES", None)
        no_auto = None
        if auto is not None:
            agent_module._AUTO_INJECT_CAPABILITY_TYPES = ()  # type: ignore[attr-defined]
            try:
                no_auto = Agent(cached, tools=tools)
            finally:
                agent_module._AUTO_INJECT_CAPABILITY_TYPES = auto  # type: ignore[attr-defined]
        agent_hooks = Agent(cached, tools=tools, capabilities=[Hook(), Hook()])
        schemas = [{"type": "function", "function": {
            "name": t.name, "description": t.description or "",
            "parameters": t.parameters_json_schema}}
            for t in cached.customize_request_parameters(ModelRequestParameters(
                function_tools=[t.tool_def for t in _tools.BUILTIN_TOOLS.tools.values()]
            )).function_tools]

        async def raw(p: str, tools: Any = None) -> None:
            extra: dict[str, Any] = {"tools": tools} if tools else {}
            stream = await client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": p}], stream=True,
                stream_options={"include_usage": True}, **extra)
            async for _ in stream:
                pass

        async def model_only(p: str) -> None:
            async with cached.request_stream([ModelRequest(parts=[UserPromptPart(p)])],
                                             settings, ModelRequestParameters()) as st:
                async for _ in st:
                    pass

        def run(agent: Any, **kw: Any) -> Turn:
            return lambda p: agent.run(p, model_settings=settings,
                                       event_stream_handler=_drain, **kw)

        # (key, what, turn, patch, the row it is compared with)
        variants: list[tuple[str, str, Turn, str | None, str | None]] = [
            ("raw", "raw SDK stream", raw, None, None),
            ("tools", "raw SDK + tabwise's 6 tool schemas", lambda p: raw(p, schemas),
             None, "raw"),
            ("model", "pydantic-ai model.request_stream, no agent (model layer)",
             model_only, None, "raw"),
            ("agent0", "Agent, no tools (the run machinery)", run(no_tools), None,
             "model"),
            ("stock", "Agent, 6 tools, stock model", run(with_stock), None, "agent0"),
            ("agent", "Agent, 6 tools, schema transforms cached (tabwise's model)",
             run(with_cached), None, "stock"),
            ("runcaps", "the same + 2 per-run capabilities (tabwise before round 3)",
             run(with_cached, capabilities=[Hook(), Hook()]), None, "agent"),
            ("agentcaps", "the same 2 as agent capabilities (tabwise now)",
             run(agent_hooks), None, "agent"),
        ]
        if no_auto is not None:
            variants.append(("auto", "agent without auto-injected ToolSearch and "
                             "PendingMessageDrain (patched)", run(no_auto), None, "agent"))
        if patches:
            variants += [
                ("peek", "agent with PeekableAsyncStream's CancelScope+Lock skipped (patched)",
                 run(with_cached), "peek", "agent"),
                ("price", "agent without its genai-prices lookup per response (patched)",
                 run(with_cached), "price", "agent"),
            ]
        prompts = {n: long_text(n)[len("echo: "):] for n in (SHORT, LONG)}
        cpu: dict[tuple[str, int], list[float]] = {(v[0], n): [] for v in variants
                                                   for n in (SHORT, LONG)}
        for r in range(rounds + 3):
            for n in (SHORT, LONG):
                for key, _, turn, patch, _ in variants:
                    if patch:
                        patches[patch][0]()
                    try:
                        c0 = time.thread_time()
                        await turn(prompts[n])
                        spent = time.thread_time() - c0
                    finally:
                        if patch:
                            patches[patch][1]()
                    if r >= 3:
                        cpu[(key, n)].append(spent)

    split: dict[str, tuple[float, float, float]] = {}
    for key, *_ in variants:
        short, long = median(cpu[(key, SHORT)]), median(cpu[(key, LONG)])
        per_chunk = (long - short) / (LONG - SHORT)
        split[key] = (long, short - SHORT * per_chunk, per_chunk)
    rows: list[Row] = []
    for key, what, _, _, ref in variants:
        long, req, chunk = split[key]
        desc = f"pydantic-ai parts, CPU: {what}; {req * 1e6:,.0f} µs/request + " \
               f"{chunk * 1e6:.1f} µs/chunk"
        if ref is not None:
            _, rreq, rchunk = split[ref]
            desc += (f" ({(req - rreq) * 1e6:+,.0f} µs/request, "
                     f"{(chunk - rchunk) * 1e6:+.1f} µs/chunk vs {ref})")
        rows.append(row(f"P13.pyd.{key}", desc, long * 1e3, "ms", "", None))
    if note:
        rows.append(row("P13.pyd", note, None, "", "", None))
    return rows
