"""Builders for the archive tests: realistic agent turns and session rows."""

from __future__ import annotations

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from tabwise.archive import SessionRow


def turn(i: int, tag: str = "s") -> list[ModelMessage]:
    """One agent turn: prompt, a tool call, its result, the answer."""
    call_id = f"{tag}-call-{i}"
    return [
        ModelRequest(parts=[UserPromptPart(f"{tag} prompt {i}")]),
        ModelResponse(parts=[
            TextPart(f"Let me look ({tag} {i})."),
            ToolCallPart("read_file", {"path": f"src/file_{i}.py"}, tool_call_id=call_id),
        ], model_name="fake-model"),
        ModelRequest(parts=[ToolReturnPart("read_file", f"print({i})\n", tool_call_id=call_id)]),
        ModelResponse(parts=[TextPart(f"{tag} answer {i}")], model_name="fake-model"),
    ]


def session_row(session_id: str, *, name: str | None = None, position: int = 0,
         created_at: float = 1000.0, updated_at: float | None = None,
         closed_at: float | None = None, provider: str | None = "openai",
         model: str | None = "gpt-4.1-mini") -> SessionRow:
    return SessionRow(
        session_id=session_id, name=name or f"tab {session_id}", working_directory="/tmp",
        created_at=created_at, updated_at=created_at if updated_at is None else updated_at,
        closed_at=closed_at, position=position, provider=provider, model=model,
        always_allow=(),
    )


