"""Tool schemas are rewritten for the provider once per schema, not at every request."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic_ai.models import ModelRequestParameters
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.tools import ToolDefinition

from tabwise.agent._tools import BUILTIN_TOOLS
from tabwise.commands import Tabwise
from tabwise.providers._schema_cache import (
    MAX_ENTRIES,
    cached_transformer,
    reuse_schema_transforms,
)

from fake_llm import FakeLLM

# A schema with what the OpenAI transformer rewrites: $defs/$ref, a nullable union,
# a default, an object without additionalProperties.
MCP_LIKE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "where": {"$ref": "#/$defs/Place"},
        "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
    },
    "required": ["where"],
    "$defs": {"Place": {"type": "object", "properties": {"path": {"type": "string"}},
                        "required": ["path"]}},
}


def _model() -> OpenAIChatModel:
    return OpenAIChatModel("m", provider=OpenAIProvider(base_url="http://127.0.0.1:9/v1",
                                                        api_key="k"))


# What pydantic-ai uses for these models (a private subclass of OpenAIJsonSchemaTransformer).
BASE: Any = _model().profile["json_schema_transformer"]


def _params() -> ModelRequestParameters:
    defs = [t.tool_def for t in BUILTIN_TOOLS.tools.values()]
    defs.append(ToolDefinition(name="mcp_find", parameters_json_schema=MCP_LIKE))
    defs.append(ToolDefinition(name="strict_find", parameters_json_schema=MCP_LIKE,
                               strict=True))
    return ModelRequestParameters(function_tools=defs)


def _sent(params: ModelRequestParameters) -> list[tuple[str, Any, bool | None]]:
    return [(t.name, t.parameters_json_schema, t.strict) for t in params.function_tools]


def test_cached_transform_sends_what_pydantic_ai_would() -> None:
    params = _params()
    plain = _model().customize_request_parameters(params)
    cached_model = reuse_schema_transforms(_model())
    first = cached_model.customize_request_parameters(params)
    again = cached_model.customize_request_parameters(params)
    assert _sent(first) == _sent(plain)
    assert _sent(again) == _sent(plain)
    # The second request reused the first one's rewritten schemas.
    assert all(a[1] is b[1] for a, b in zip(_sent(first), _sent(again), strict=True))
    # The originals were not touched (the transformer works on its own copy).
    assert "$defs" in MCP_LIKE and "additionalProperties" not in MCP_LIKE


def test_each_schema_is_walked_once_per_strictness() -> None:
    walks: list[int] = []

    class Counting(BASE):  # type: ignore[misc,valid-type]
        def walk(self) -> dict[str, Any]:
            walks.append(id(self.schema))
            return super().walk()

    cached = cached_transformer(Counting)
    assert cached_transformer(Counting) is cached and cached_transformer(cached) is cached
    for _ in range(3):
        a = cached(MCP_LIKE, strict=None)
        a.walk()
        b = cached(MCP_LIKE, strict=True)
        b.walk()
    assert len(walks) == 2
    plain = BASE(MCP_LIKE)
    plain.walk()
    assert a.is_strict_compatible is plain.is_strict_compatible

    # An equal but different schema object is walked on its own (identity, not equality:
    # a fresh object is never served another one's result).
    cached(dict(MCP_LIKE)).walk()
    assert len(walks) == 3


def test_the_cache_is_bounded() -> None:
    walks: list[int] = []

    class Counting(BASE):  # type: ignore[misc,valid-type]
        def walk(self) -> dict[str, Any]:
            walks.append(1)
            return super().walk()

    cached = cached_transformer(Counting)
    kept = [{"type": "object", "properties": {f"p{i}": {"type": "string"}}}
            for i in range(MAX_ENTRIES + 10)]
    for schema in kept:
        cached(schema).walk()
    assert len(cached._results) <= MAX_ENTRIES  # type: ignore[attr-defined]
    assert len(walks) == MAX_ENTRIES + 10


async def test_a_tab_sends_the_same_tool_schemas_request_after_request(
        core: Tabwise, fake_llm: FakeLLM, workdir: Path) -> None:
    sid = (await core.create_session(str(workdir), terminal=False)).session_id
    await core.send_ai_prompt(sid, "one")
    await core.send_ai_prompt(sid, "two")
    first, second = (r.body["tools"] for r in fake_llm.requests[-2:])
    assert first == second
    names = {t["function"]["name"] for t in first}
    assert {"read_file", "write_file", "run_command"} <= names
    # What pydantic-ai's own transformer makes of the same tools.
    expected = _model().customize_request_parameters(
        ModelRequestParameters(function_tools=[t.tool_def for t in BUILTIN_TOOLS.tools.values()]))
    by_name = {t["function"]["name"]: t["function"]["parameters"] for t in first}
    for tool in expected.function_tools:
        assert by_name[tool.name] == tool.parameters_json_schema
