"""Text UTF-8 cannot hold, coming from a provider, is saved (with U+FFFD), not lost."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic_ai.messages import ModelResponse, TextPart

from tabwise.commands import Tabwise

from fake_llm import FakeLLM, Reply
from helpers import collect_until, of_type, terminal


async def test_a_lone_surrogate_from_the_provider_is_saved(make_home: Callable[..., Path],
                                                          fake_llm: FakeLLM,
                                                          workdir: Path) -> None:
    home = make_home()
    core = await Tabwise.start(home)
    try:
        sid = (await core.create_session(str(workdir), terminal=False)).session_id
        sub = core.subscribe(sid)
        fake_llm.script("m1", Reply(text="odd \ud800 text"))
        answer = await core.send_ai_prompt(sid, "say something odd")
        assert "odd" in answer
        assert of_type(await collect_until(sub, terminal), "completed")
        assert core.archive is not None
        await core.archive.flush()  # raises if the turn could not be saved
    finally:
        await core.stop()
    core = await Tabwise.start(home)
    try:
        assert await core.get_ai_conversation_length(sid) == 2
        assert core.archive is not None
        messages = await core.archive.load_transcript(sid)
        response = messages[-1]
        assert isinstance(response, ModelResponse)
        part = response.parts[0]
        assert isinstance(part, TextPart) and part.content == "odd \ufffd text"
    finally:
        await core.stop()
